"""Exchange benchmark end to end (issue 4): edXML messages per second from one Plone site to
another through the reference axis.

Two real sites (two Zope processes, two FileStorages, created like `make start` does) and the
reference axis (archive.exchange.axis_server, SQLite). Agency A's exchange officer asks
@exchange-send for BENCH_EXCHANGE_N published legal documents (one PDF each); the worker's own
steps (archive.tasks.exchange.send_once at A, poll_once at B: the code the Celery tasks run,
called in a loop here so the beat period does not count) carry them over the axis; B verifies
each signature against its trust store, registers the document with an arrival number and
queues status 01, which goes back to A the same way.

Baseline, same run, same machine: the same signed messages sent, listed, fetched and
acknowledged through the axis by the client alone (no Zope), so the ratio says how much of
the axis' own rate the sites keep. Prints one line `BENCH_EXCHANGE_E2E {json}`.
"""
import base64
import json
import os
import shutil
import sys
import tempfile
import time
from datetime import datetime
from datetime import timedelta
from datetime import timezone

import requests

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "src"))
sys.path.insert(0, os.path.join(ROOT, "scripts"))

from archive.exchange.axis_client import AxisClient  # noqa: E402
from archive.exchange.axis_server import BackgroundServer  # noqa: E402
from archive.exchange.axis_server import register_agency  # noqa: E402
from archive.pdf import simple_pdf  # noqa: E402
from archive.tasks.exchange import poll_once  # noqa: E402
from archive.tasks.exchange import send_once  # noqa: E402
from site_process import SiteProcess  # noqa: E402

N = int(os.environ.get("BENCH_EXCHANGE_N", "100"))
A, B = "000.00.12.H41", "000.00.17.H41"
NAMES = {A: "Sở Xây dựng", B: "Sở Tư pháp"}
PASSWORD = "bench-admin-password"


def make_keys(organ_id, directory):
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = datetime.now(timezone.utc)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, NAMES[organ_id])])
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(days=1))
            .not_valid_after(now + timedelta(days=30)).sign(key, hashes.SHA256()))
    paths = os.path.join(directory, f"{organ_id}.key"), os.path.join(directory, f"{organ_id}.crt")
    with open(paths[0], "wb") as fh:
        fh.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                   serialization.NoEncryption()))
    os.chmod(paths[0], 0o600)
    pem = cert.public_bytes(serialization.Encoding.PEM)
    with open(paths[1], "wb") as fh:
        fh.write(pem)
    return paths, pem


class Site(SiteProcess):
    def __init__(self, organ_id, workdir, paths, axis_url):
        env = {k: v for k, v in os.environ.items() if k not in ("ARCHIVE_BROKER_URL", "ARCHIVE_ES_URL")}
        env.update(ARCHIVE_EXCHANGE_ORGAN_ID=organ_id, ARCHIVE_EXCHANGE_KEY=paths[0], ARCHIVE_EXCHANGE_CERT=paths[1])
        super().__init__(os.path.join(workdir, organ_id), env, PASSWORD)
        self.organ_id = organ_id
        self.cfg = {"site": self.url, "auth": ("admin", PASSWORD), "axis": axis_url,
                    "system_id": f"system-{organ_id}", "secret": f"secret-{organ_id}"}
        self.session = requests.Session()
        self.session.auth = self.cfg["auth"]
        self.session.headers["Accept"] = "application/json"

    def ok(self, method, path, **kwargs):
        answer = self.session.request(method, path if path.startswith("http") else self.url + path, timeout=120,
                                      **kwargs)
        if answer.status_code not in (200, 201, 202, 204):
            raise SystemExit(f"{method} {path}: {answer.status_code} {answer.text[:500]}")
        return answer.json() if answer.content else None

    def populate(self, certificates):
        for organ_id, pem in certificates.items():
            self.ok("POST", "/agencies", json={"@type": "Agency", "agency_code": organ_id, "title": NAMES[organ_id],
                                               "level": "department", "certificates": pem.decode()})
        self.ok("POST", "/@exchange-setup")

    def drain(self):
        """Run the worker's send step until the outbox is empty; returns messages settled."""
        total = 0
        while True:
            settled, transient = send_once(self.cfg, session=self.session)
            if transient is not None:
                raise SystemExit(f"axis error: {transient}")
            if not settled:
                return total
            total += settled

    def poll(self, expected):
        handled = 0
        while handled < expected:
            got = poll_once(self.cfg, session=self.session)
            if not got:
                raise SystemExit(f"{self.organ_id} polled {handled} of {expected}")
            handled += got
        return handled


def axis_only(axis_url, messages):
    """Baseline: the same signed messages through the axis without any site."""
    sender = AxisClient(axis_url, f"system-{A}", f"secret-{A}")
    receiver = AxisClient(axis_url, f"system-{B}", f"secret-{B}")
    started = time.perf_counter()
    for data in messages:
        sender.send(data)
    handled = 0
    for delivery in receiver.list_received(status="pending"):
        receiver.get(delivery.id)
        receiver.update_status(delivery.id, "done", "")
        handled += 1
    elapsed = time.perf_counter() - started
    assert handled == len(messages), (handled, len(messages))
    return len(messages) / elapsed


def main():
    workdir = tempfile.mkdtemp(prefix="archive-bench-exchange-")
    sites, axis = [], None
    try:
        keys = {organ_id: make_keys(organ_id, workdir) for organ_id in (A, B)}
        axis_db = os.path.join(workdir, "axis.sqlite")
        for organ_id in (A, B):
            register_agency(axis_db, organ_id, f"system-{organ_id}", f"secret-{organ_id}", name=NAMES[organ_id])
        axis = BackgroundServer(axis_db)
        a, b = sites[:] = [Site(A, workdir, keys[A][0], axis.url), Site(B, workdir, keys[B][0], axis.url)]
        for site, process in [(s, s.create()) for s in (a, b)]:
            output = process.communicate(timeout=300)[0].decode("utf-8", "replace")
            if process.returncode:
                raise SystemExit(output[-3000:])
        certificates = {organ_id: pem for organ_id, (_, pem) in keys.items()}
        for site in (a, b):
            site.start()
            site.populate(certificates)

        # Not timed: N published legal documents at A, one 20 KB PDF each.
        pdf = simple_pdf(*[f"Dieu {n}. Noi dung quy dinh ve cap giay phep xay dung" for n in range(1, 200)])
        documents = []
        for n in range(1, N + 1):
            doc = a.ok("POST", "/legal-documents", json={
                "@type": "LegalDocument", "document_type": "provincial_committee_decision",
                "number_notation": f"{n}/2025/QĐ-UBND", "title": f"Quyết định {n}/2025/QĐ-UBND về cấp phép xây dựng",
                "issuing_body": "UBND tỉnh Nghệ An", "signer": "Lê Hồng Vinh", "issue_date": "2025-03-01"})
            a.ok("POST", doc["@id"], json={"@type": "ArchiveAttachment", "title": "quyet-dinh.pdf", "file": {
                "data": base64.b64encode(pdf).decode(), "encoding": "base64", "filename": "quyet-dinh.pdf",
                "content-type": "application/pdf"}})
            for transition in ("submit", "approve", "publish"):
                a.ok("POST", f"{doc['@id']}/@workflow/{transition}")
            documents.append(doc["@id"])

        load_before = os.getloadavg()
        t0 = time.perf_counter()
        for url in documents:  # the officer's requests: build, sign, queue
            a.ok("POST", url + "/@exchange-send", json={"to": [B]})
        t1 = time.perf_counter()
        outbox = a.ok("GET", "/@exchange-outbox", params={"limit": 100})["items"]
        signed_bytes = len(base64.b64decode(outbox[0]["data"]))
        sent = a.drain()  # A's worker: outbox -> axis
        t2 = time.perf_counter()
        polled = b.poll(N)  # B's worker: axis -> verify -> register -> 01 queued
        t3 = time.perf_counter()
        b.drain()  # B's 01 statuses -> axis -> A's history
        a.poll(N)
        t4 = time.perf_counter()
        load_after = os.getloadavg()
        registered = b.ok("GET", "/incoming", params={"b_size": 1})["items_total"]
        assert sent == polled == registered == N, (sent, polled, registered, N)

        # Baseline: the same number of messages of the same size through the axis alone.
        sample = base64.b64decode(outbox[0]["data"])
        baseline = axis_only(axis.url, [sample] * N)

        figures = {
            "messages": N,
            "signed_message_bytes": signed_bytes,
            "e2e_messages_per_s": round(N / (t3 - t0), 2),
            "e2e_with_status_back_per_s": round(N / (t4 - t0), 2),
            "send_requests_per_s": round(N / (t1 - t0), 2),
            "a_outbox_to_axis_per_s": round(N / (t2 - t1), 2),
            "b_poll_verify_register_per_s": round(N / (t3 - t2), 2),
            "status_01_back_per_s": round(N / (t4 - t3), 2),
            "axis_only_per_s": round(baseline, 2),
            "e2e_vs_axis_only": round(N / (t3 - t0) / baseline, 4),
            "loadavg_before": [round(x, 2) for x in load_before],
            "loadavg_after": [round(x, 2) for x in load_after],
        }
        print("BENCH_EXCHANGE_E2E " + json.dumps(figures), flush=True)
    finally:
        for site in sites:
            site.stop()
        if axis is not None:
            axis.close()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
