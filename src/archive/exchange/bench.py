"""Throughput of edXML signing and verification beside raw RSA-2048 (single-threaded)."""

import os
import statistics
import time
from datetime import date, datetime, timedelta, timezone

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID
from lxml import etree

from . import edxml, signing, trust

SENDER = "000.00.00.H41"
RECEIVER = "000.00.00.H49"


def _key_and_cert():
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "bench signer")])
    start = datetime.now(timezone.utc) - timedelta(days=1)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    return key, cert


def sample_message(header_bytes=5 * 1024, attachment_bytes=100 * 1024):
    """Unsigned edXML bytes: about `header_bytes` of XML plus one random attachment."""
    msg = edxml.EdocMessage(
        from_=edxml.Organization(SENDER, "Ủy ban nhân dân tỉnh Nghệ An", organ_add="Vinh, Nghệ An"),
        to=[edxml.Organization(RECEIVER, "Ủy ban nhân dân tỉnh Quảng Ninh")],
        code=edxml.Code("123", "QĐ-UBND"),
        promulgation_info=edxml.PromulgationInfo("Nghệ An", date.today()),
        subject="Về việc triển khai liên thông văn bản điện tử " * 8,
        signer_info=edxml.SignerInfo("Chủ tịch", "Chủ tịch", "Nguyễn Văn A"),
    )
    # Pad Content (ASCII filler, one byte per character) until the XML without attachment reaches the size.
    missing = header_bytes - len(edxml.to_bytes(edxml.build_edoc(msg)))
    msg.content = "x" * max(0, missing)
    msg.attachments = [edxml.Attachment("quyet-dinh.pdf", os.urandom(attachment_bytes), "application/pdf")]
    return edxml.to_bytes(edxml.build_edoc(msg))


def _rate_once(fn, seconds):
    """(calls per wall-clock second, calls per CPU second of this thread) over about `seconds`."""
    n, start, cpu_start = 0, time.perf_counter(), time.thread_time()
    while True:
        fn()
        n += 1
        elapsed = time.perf_counter() - start
        if elapsed >= seconds:
            return n / elapsed, n / max(time.thread_time() - cpu_start, 1e-9)


def _interleaved_rates(fns, seconds, rounds=25):
    """Rates of each function, measured in turns (round after round).

    Taking turns puts every figure and its RSA baseline under the same machine load, which on
    a shared machine changes from one second to the next. Returns {name: [rate per wall
    second, one per round]} and the same per CPU second of this thread (time it ran).
    """
    for fn in fns.values():
        fn()  # warm-up (imports, caches)
    wall = {name: [] for name in fns}
    cpu = {name: [] for name in fns}
    slot = seconds / (len(fns) * rounds)
    for _ in range(rounds):
        for name, fn in fns.items():
            w, c = _rate_once(fn, slot)
            wall[name].append(w)
            cpu[name].append(c)
    return wall, cpu


def _paired_ratio(numerators, denominators):
    """Median over the rounds of numerator / denominator measured in the same round."""
    return statistics.median(n / d for n, d in zip(numerators, denominators))


def run(seconds=5.0):
    """Measure signatures/s and verifications/s beside raw RSA-2048; returns a dict of rates (per second) and sizes.

    `seconds` is the total measuring time, shared by the six figures. Signing goes through
    signing.sign with key and certificate objects (what a Signer does), verification through
    signing.verify and the trust store, on the same signed message each time: nothing caches
    a verdict, so repeating a message costs what a new one would.
    """
    key, cert = _key_and_cert()
    data = sample_message()
    signed = signing.sign(data, key, cert)  # written in its canonical form, as Signer writes
    # The same message as other signers write it (self-closing empty elements, a declaration
    # in single quotes): the signature holds, but the verifier parses the canonical form again.
    other_form = edxml.to_bytes(etree.fromstring(signed))
    assert other_form != signed
    store = trust.TrustStore()
    store.add(SENDER, cert.public_bytes(serialization.Encoding.PEM))

    tbs = os.urandom(1024)
    raw_sig = key.sign(tbs, padding.PKCS1v15(), hashes.SHA256())
    pub = key.public_key()

    load_before = os.getloadavg()
    wall, cpu = _interleaved_rates(
        {
            "edxml_sign_per_s": lambda: signing.sign(data, key, cert),
            "rsa2048_sign_per_s": lambda: key.sign(tbs, padding.PKCS1v15(), hashes.SHA256()),
            "edxml_verify_per_s": lambda: signing.verify(signed),
            "edxml_verify_other_form_per_s": lambda: signing.verify(other_form),
            "rsa2048_verify_per_s": lambda: pub.verify(raw_sig, tbs, padding.PKCS1v15(), hashes.SHA256()),
            "edxml_accept_per_s": lambda: store.verify(signed),
        },
        seconds,
    )
    results = {name: statistics.median(rates) for name, rates in wall.items()}
    # Ratios to the raw RSA baseline measured next to it in the same round, so machines compare.
    results["sign_vs_rsa_sign"] = _paired_ratio(wall["edxml_sign_per_s"], wall["rsa2048_sign_per_s"])
    results["verify_vs_rsa_verify"] = _paired_ratio(wall["edxml_verify_per_s"], wall["rsa2048_verify_per_s"])
    results["verify_other_form_vs_rsa_verify"] = _paired_ratio(
        wall["edxml_verify_other_form_per_s"], wall["rsa2048_verify_per_s"]
    )
    # The same per CPU second of this thread: closer to an idle core when others load the machine.
    for name in ("edxml_sign", "rsa2048_sign", "edxml_verify", "rsa2048_verify"):
        results[f"{name}_per_cpu_s"] = statistics.median(cpu[f"{name}_per_s"])
    results["sign_vs_rsa_sign_cpu"] = _paired_ratio(cpu["edxml_sign_per_s"], cpu["rsa2048_sign_per_s"])
    results = {k: round(v, 4 if "_vs_" in k else 1) for k, v in results.items()}
    results.update(
        {
            "message_bytes_unsigned": len(data),
            "message_bytes_signed": len(signed),
            "attachment_bytes": 100 * 1024,
            "seconds": seconds,
            "load_average_1_5_15_before": " ".join(f"{x:.2f}" for x in load_before),
            "load_average_1_5_15_after": " ".join(f"{x:.2f}" for x in os.getloadavg()),
        }
    )
    return results


if __name__ == "__main__":
    import json

    print(json.dumps(run(), indent=2))
