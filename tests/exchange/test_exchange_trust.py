"""Trust decisions: every refusal reason, and what is accepted."""

import base64
import copy
from datetime import datetime, timedelta, timezone

import pytest
from exchange_helpers import G09, H41, H49, Party, make_cert, now_vn, sample_edoc, signed_edoc
from lxml import etree
from signxml import XMLSigner
from signxml.algorithms import CanonicalizationMethod

from archive.exchange import edxml, signing, trust
from archive.exchange.edxml import Attachment, Limits
from archive.exchange.errors import REASON_CODES, RefusedMessage

DS = "http://www.w3.org/2000/09/xmldsig#"
NS = {"ds": DS, "e": edxml.NS}


@pytest.fixture
def store(nghe_an, quang_ninh):
    s = trust.TrustStore()
    s.add(H41, nghe_an.cert_pem)
    s.add(H49, quang_ninh.cert_pem)
    return s


def refused(store, data, reason, **kw):
    with pytest.raises(RefusedMessage) as exc:
        store.verify(data, **kw)
    assert exc.value.reason_code == reason, exc.value
    return exc.value


def sign_root(party, root):
    return edxml.to_bytes(signing.sign_tree(root, party.key, party.cert))


def test_accepts_a_valid_message(store, nghe_an):
    accepted = store.verify(signed_edoc(nghe_an))
    assert accepted.sender == H41
    assert accepted.message.to[0].organ_id == H49
    assert accepted.message.attachments[0].name == "quyet-dinh.pdf"
    assert accepted.signing_time_source == "TraceHeader/Timestamp"
    assert accepted.signing_time.utcoffset() == timedelta(hours=7)
    assert "Nghe An" in accepted.signer_subject and not accepted.weak


def test_every_reason_code_is_distinct():
    assert len(REASON_CODES) == 10
    with pytest.raises(ValueError):
        RefusedMessage("nope", "unknown reason")


# ----------------------------------------------------------------- tampered


@pytest.mark.parametrize(
    "old, new",
    [
        ("phê duyệt".encode(), "phê duyêt".encode()),  # one letter of the Subject
        (b"<edXML:OrganId>000.00.00.H49</edXML:OrganId>", b"<edXML:OrganId>000.00.00.H48</edXML:OrganId>"),
        (b'version="1.0"', b'version="1.1"'),
    ],
)
def test_changed_byte_in_signed_content_is_tampered(store, nghe_an, old, new):
    signed = signed_edoc(nghe_an)
    assert signed.count(old) >= 1
    refused(store, signed.replace(old, new, 1), "tampered")


def test_changed_attachment_byte_is_tampered(store, nghe_an):
    signed = signed_edoc(nghe_an)
    b64 = base64.b64encode(b"%PDF-1.7\n" + bytes(range(256)) * 4)
    i = 40
    flipped = b64[:i] + (b"A" if b64[i:i + 1] != b"A" else b"B") + b64[i + 1:]
    refused(store, signed.replace(b64, flipped), "tampered")


@pytest.mark.parametrize("element", ["SignatureValue", "DigestValue"])
def test_changed_signature_parts_are_tampered(store, nghe_an, element):
    root = etree.fromstring(signed_edoc(nghe_an))
    el = root.find(f".//ds:{element}", NS)
    value = bytearray(base64.b64decode(el.text))
    value[5] ^= 0x01
    el.text = base64.b64encode(bytes(value)).decode()
    refused(store, edxml.to_bytes(root), "tampered")


# ----------------------------------------------------------------- certificates


def test_unregistered_certificate(store, stranger):
    # Valid signature over a message claiming to come from Nghệ An, by a key nobody registered.
    refused(store, signed_edoc(stranger, sample_edoc(H41)), "unknown_certificate")
    refused(store, signed_edoc(stranger, sample_edoc(G09)), "unknown_certificate")


def test_sender_does_not_match_certificate(store, quang_ninh):
    err = refused(store, signed_edoc(quang_ninh, sample_edoc(H41)), "sender_mismatch")
    assert H49 in err.message


def test_expired_certificate(store, rsa_keys):
    now = datetime.now(timezone.utc)
    expired = Party(H41, rsa_keys[0], make_cert(rsa_keys[0], "old", now - timedelta(days=400), now - timedelta(days=30)))
    store.add(H41, expired.cert_pem)
    refused(store, signed_edoc(expired, sample_edoc(trace_time=now_vn())), "expired_certificate")


def test_not_yet_valid_certificate(store, rsa_keys):
    now = datetime.now(timezone.utc)
    early = Party(H41, rsa_keys[0], make_cert(rsa_keys[0], "early", now + timedelta(days=2), now + timedelta(days=400)))
    store.add(H41, early.cert_pem)
    refused(store, signed_edoc(early, sample_edoc(trace_time=now_vn())), "expired_certificate")


def test_certificate_valid_at_signing_time_is_accepted_after_expiry(store, rsa_keys):
    now = datetime.now(timezone.utc)
    old = Party(H41, rsa_keys[0], make_cert(rsa_keys[0], "old", now - timedelta(days=400), now - timedelta(days=100)))
    store.add(H41, old.cert_pem)
    signed_at = now_vn() - timedelta(days=200)
    accepted = store.verify(signed_edoc(old, sample_edoc(trace_time=signed_at, promulgation_date=signed_at.date())))
    assert accepted.signing_time.replace(tzinfo=None) == signed_at


def test_promulgation_date_is_the_fallback_signing_time(store, nghe_an, rsa_keys):
    root = edxml.build_edoc(sample_edoc())
    for th in root.findall(".//e:TraceHeader", NS):
        th.getparent().remove(th)
    accepted = store.verify(sign_root(nghe_an, root))
    assert accepted.signing_time_source == "PromulgationInfo/PromulgationDate"
    # A certificate that expired before that day is refused.
    now = datetime.now(timezone.utc)
    old = Party(H41, rsa_keys[0], make_cert(rsa_keys[0], "old", now - timedelta(days=400), now - timedelta(days=3)))
    store.add(H41, old.cert_pem)
    refused(store, sign_root(old, root), "expired_certificate")


def test_signing_time_in_the_future_is_refused(store, nghe_an):
    refused(store, signed_edoc(nghe_an, sample_edoc(trace_time=now_vn() + timedelta(days=2))), "malformed")


def test_trust_directory(tmp_path, nghe_an, quang_ninh, rsa_keys):
    now = datetime.now(timezone.utc)
    older = make_cert(rsa_keys[2], "previous key", now - timedelta(days=10), now + timedelta(days=10))
    from cryptography.hazmat.primitives import serialization

    (tmp_path / f"{H41}.pem").write_bytes(nghe_an.cert_pem + older.public_bytes(serialization.Encoding.PEM))
    (tmp_path / f"{H49}.pem").write_bytes(quang_ninh.cert_pem)
    (tmp_path / "README.txt").write_text("ignored")
    store = trust.TrustStore.from_directory(str(tmp_path))
    assert store.organs() == [H41, H49]
    assert len(store.certificates(H41)) == 2
    assert store.verify(signed_edoc(nghe_an)).sender == H41
    assert store.verify(signed_edoc(Party(H41, rsa_keys[2], older))).sender == H41
    (tmp_path / "not an organ id.pem").write_bytes(nghe_an.cert_pem)
    with pytest.raises(ValueError):
        trust.TrustStore.from_directory(str(tmp_path))


# ----------------------------------------------------------------- wrapping


def _forged_header(root):
    mh = copy.deepcopy(root.find("e:edXMLEnvelope/e:edXMLHeader/e:MessageHeader", NS))
    mh.find("e:From/e:OrganId", NS).text = G09
    mh.find("e:Subject", NS).text = "Forged subject"
    return mh


def test_second_unsigned_header_before_the_signed_one(store, nghe_an):
    root = etree.fromstring(signed_edoc(nghe_an))
    header = root.find("e:edXMLEnvelope/e:edXMLHeader", NS)
    header.insert(0, _forged_header(root))
    refused(store, edxml.to_bytes(root), "wrapping")


def test_signed_envelope_moved_under_a_forged_one(store, nghe_an):
    root = etree.fromstring(signed_edoc(nghe_an))
    original = root.find("e:edXMLEnvelope", NS)
    forged = copy.deepcopy(original)
    fh = forged.find("e:edXMLHeader", NS)
    fh.replace(fh.find("e:MessageHeader", NS), _forged_header(root))
    fh.remove(fh.find("ds:Signature", NS))
    root.replace(original, forged)
    root.find("e:AttachmentEncoded", NS).append(original)  # the signed part, "moved around"
    refused(store, edxml.to_bytes(root), "wrapping")


@pytest.mark.parametrize("part", ["edXMLBody", "AttachmentEncoded", "TraceHeaderList"])
def test_second_unsigned_part(store, nghe_an, part):
    root = etree.fromstring(signed_edoc(nghe_an))
    original = root.find(f".//e:{part}", NS)
    original.getparent().append(copy.deepcopy(original))
    refused(store, edxml.to_bytes(root), "wrapping")


def test_signed_envelope_inside_an_element_named_like_the_root(store, nghe_an):
    # A parent with the root's name is not the root.
    root = etree.fromstring(signed_edoc(nghe_an))
    envelope = root.find("e:edXMLEnvelope", NS)
    holder = etree.Element("edXML")
    root.replace(envelope, holder)
    holder.append(envelope)
    refused(store, edxml.to_bytes(root), "wrapping")


def test_signature_outside_the_header(store, nghe_an):
    root = etree.fromstring(signed_edoc(nghe_an))
    sig = root.find(".//ds:Signature", NS)
    root.append(sig)
    refused(store, edxml.to_bytes(root), "wrapping")


def test_two_signatures(store, nghe_an):
    root = etree.fromstring(signed_edoc(nghe_an))
    sig = root.find(".//ds:Signature", NS)
    sig.getparent().append(copy.deepcopy(sig))
    refused(store, edxml.to_bytes(root), "wrapping")


def _fragment_signed(party):
    """A signature over MessageHeader only (Reference URI="#hdr"): everything else is unsigned."""
    root = edxml.build_edoc(sample_edoc())
    header = root.find("e:edXMLEnvelope/e:edXMLHeader", NS)
    header.find("e:MessageHeader", NS).set("Id", "hdr")
    etree.SubElement(header, f"{{{DS}}}Signature", Id="placeholder", nsmap={"ds": DS})
    signer = XMLSigner(c14n_algorithm=CanonicalizationMethod.EXCLUSIVE_XML_CANONICALIZATION_1_0)
    return signer.sign(root, key=party.key, cert=[party.cert], reference_uri="#hdr")


def test_fragment_reference_is_refused(store, nghe_an):
    refused(store, edxml.to_bytes(_fragment_signed(nghe_an)), "wrapping")


def test_classic_wrapping_with_fragment_reference(store, nghe_an):
    # XSW: the signed header hides inside ds:Object, a forged one takes its place.
    root = _fragment_signed(nghe_an)
    header = root.find("e:edXMLEnvelope/e:edXMLHeader", NS)
    signed_mh = header.find("e:MessageHeader", NS)
    forged = _forged_header(root)
    forged.attrib.pop("Id")
    header.replace(signed_mh, forged)
    obj = etree.SubElement(header.find("ds:Signature", NS), f"{{{DS}}}Object")
    obj.append(signed_mh)
    refused(store, edxml.to_bytes(root), "wrapping")


# ----------------------------------------------------------------- hostile or broken input


def test_unsigned_message_is_refused(store):
    refused(store, edxml.to_bytes(edxml.build_edoc(sample_edoc())), "malformed")


def test_not_edxml_is_malformed(store):
    refused(store, b"<html><body>hello</body></html>", "malformed")
    refused(store, b"not xml at all", "malformed")


def test_xxe_is_refused(store, nghe_an):
    signed = signed_edoc(nghe_an)
    xxe = signed.replace(
        b"?>\n", b'?>\n<!DOCTYPE edXML:edXML [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n', 1
    ).replace("Về việc".encode(), b"&xxe;", 1)
    err = refused(store, xxe, "dtd_forbidden")
    assert "root:" not in err.message


def test_billion_laughs_is_refused(store, nghe_an):
    entities = '<!ENTITY a0 "ha">' + "".join(f'<!ENTITY a{i} "{("&a%d;" % (i - 1)) * 10}">' for i in range(1, 10))
    doc = signed_edoc(nghe_an).replace(b"?>\n", f"?>\n<!DOCTYPE edXML:edXML [{entities}]>\n".encode(), 1)
    doc = doc.replace("Về việc".encode(), b"&a9;", 1)
    refused(store, doc, "dtd_forbidden")


def test_any_dtd_is_refused(store, nghe_an):
    refused(store, signed_edoc(nghe_an).replace(b"?>\n", b"?>\n<!DOCTYPE edXML:edXML>\n", 1), "dtd_forbidden")


def test_oversized_message(store, nghe_an):
    signed = signed_edoc(nghe_an)
    refused(store, signed, "too_large", limits=Limits(max_message_bytes=len(signed) - 1))


def test_oversized_attachment(store, nghe_an):
    signed = signed_edoc(nghe_an, sample_edoc(attachments=[Attachment("big.bin", b"\1" * 20_000)]))
    refused(store, signed, "too_large", limits=Limits(max_attachment_bytes=10_000))
    assert store.verify(signed, limits=Limits(max_attachment_bytes=20_000))


def test_malformed_base64_in_a_signed_message(store, nghe_an):
    root = edxml.build_edoc(sample_edoc(attachments=[Attachment("a.txt", b"hello")]))
    root.find(".//e:ContentTransferEncoded", NS).text = "aGVsbG8*"
    refused(store, sign_root(nghe_an, root), "bad_base64")


def test_status_message_is_verified_too(store, quang_ninh):
    st = edxml.StatusMessage(
        response_for=edxml.ResponseFor(H41, "45/QĐ-UBND"),
        from_=edxml.Organization(H49, "UBND tỉnh Quảng Ninh"),
        status_code="03",
        timestamp=now_vn(),
    )
    signed = signing.sign(edxml.to_bytes(edxml.build_status(st)), quang_ninh.key_pem, quang_ninh.cert_pem)
    accepted = store.verify(signed)
    assert accepted.sender == H49 and accepted.message.status_code == "03"
    assert accepted.signing_time_source == "Status/Timestamp"


def test_random_byte_flips_never_escape_as_other_errors(store, nghe_an):
    # Whatever byte changes, the answer is an acceptance or a RefusedMessage, never a crash.
    import random

    signed = signed_edoc(nghe_an)
    rng = random.Random(9)
    outcomes = set()
    for _ in range(300):
        data = bytearray(signed)
        i = rng.randrange(len(data))
        data[i] = rng.choice([c for c in b"<>&\"' =/Aa0+\x00\xff" if c != data[i]])
        try:
            store.verify(bytes(data))
            outcomes.add("accepted")
        except RefusedMessage as exc:
            outcomes.add(exc.reason_code)
    assert "tampered" in outcomes and "malformed" in outcomes
