"""XMLDSig on edXML: signxml output checked by xmlsec1, xmlsec1 output checked by us."""

import base64
import re
from datetime import datetime

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509.oid import NameOID
from exchange_helpers import (
    EXC_C14N,
    H41,
    RSA_SHA1,
    RSA_SHA256,
    SHA1,
    XMLSEC1,
    sample_edoc,
    signed_edoc,
    xmlsec1,
    xmlsec1_sign,
    xmlsec1_sign_root,
)
from lxml import etree
from signxml import SignatureConfiguration, XMLSigner, XMLVerifier
from signxml.algorithms import CanonicalizationMethod, DigestAlgorithm, SignatureMethod

from archive.exchange import edxml, signing, trust
from archive.exchange.errors import ExchangeError, RefusedMessage

DS = "http://www.w3.org/2000/09/xmldsig#"
NS = {"ds": DS, "e": edxml.NS}

def test_xmlsec1_is_installed():
    assert XMLSEC1, "xmlsec1 must be installed for the exchange tests"


def test_sign_then_verify(nghe_an):
    signed = signed_edoc(nghe_an)
    verified = signing.verify(signed)
    assert verified.algorithm == "rsa-sha256" and verified.digest_algorithm == "sha256"
    assert not verified.weak and verified.weaknesses == ()
    assert verified.certificate == nghe_an.cert
    assert "UBND tinh Nghe An" in verified.signer_subject
    # The returned tree is the signed content: the Signature itself is gone.
    assert verified.tree.find(f".//{{{DS}}}Signature") is None
    assert edxml.read_tree(verified.tree).from_.organ_id == H41


def test_signature_shape(nghe_an):
    root = etree.fromstring(signed_edoc(nghe_an))
    header = root.find("e:edXMLEnvelope/e:edXMLHeader", NS)
    assert header[-1].tag == f"{{{DS}}}Signature", "Signature must be the last child of edXMLHeader"
    sig = header[-1]
    assert sig.find("ds:SignedInfo/ds:SignatureMethod", NS).get("Algorithm") == RSA_SHA256
    assert sig.find("ds:SignedInfo/ds:CanonicalizationMethod", NS).get("Algorithm") == EXC_C14N
    refs = sig.findall("ds:SignedInfo/ds:Reference", NS)
    assert len(refs) == 1 and refs[0].get("URI") == ""
    transforms = [t.get("Algorithm") for t in refs[0].findall("ds:Transforms/ds:Transform", NS)]
    assert transforms == ["http://www.w3.org/2000/09/xmldsig#enveloped-signature", EXC_C14N]
    assert sig.find("ds:KeyInfo/ds:X509Data/ds:X509Certificate", NS) is not None


def test_signing_leaves_input_tree_untouched(nghe_an):
    root = edxml.build_edoc(sample_edoc())
    before = etree.tostring(root)
    signing.sign_tree(root, nghe_an.key, nghe_an.cert)
    assert etree.tostring(root) == before


def test_signing_refuses_invalid_or_signed_messages(nghe_an):
    bad = edxml.build_edoc(sample_edoc(subject="x" * 600))
    with pytest.raises(edxml.ValidationError):
        signing.sign_tree(bad, nghe_an.key, nghe_an.cert)
    with pytest.raises(edxml.EdxmlError, match="already signed"):
        signing.sign(signed_edoc(nghe_an), nghe_an.key_pem, nghe_an.cert_pem)


@pytest.mark.parametrize("mode", ["--trusted-pem", "--pubkey-cert-pem"])
@pytest.mark.parametrize("attachment", [1024, 100 * 1024])  # the large one is signed with its base64 cut out
def test_xmlsec1_accepts_our_signature(nghe_an, tmp_path, mode, attachment):
    _, cert = nghe_an.write(tmp_path)
    f = tmp_path / "signed.xml"
    msg = sample_edoc(attachments=[edxml.Attachment("a.pdf", bytes(range(256)) * (attachment // 256), "application/pdf")])
    f.write_bytes(signed_edoc(nghe_an, msg))
    proc = xmlsec1("--verify", mode, cert, str(f))
    assert "OK" in proc.stdout + proc.stderr


def test_xmlsec1_rejects_our_signature_once_altered(nghe_an, tmp_path):
    _, cert = nghe_an.write(tmp_path)
    f = tmp_path / "signed.xml"
    f.write_bytes(signed_edoc(nghe_an).replace("phê duyệt".encode(), "bác bỏ".encode()))
    assert xmlsec1("--verify", "--pubkey-cert-pem", cert, str(f), check=False).returncode != 0


def test_we_verify_xmlsec1_signature(nghe_an, tmp_path):
    data = xmlsec1_sign(nghe_an, tmp_path)
    store = trust.TrustStore()
    store.add(H41, nghe_an.cert_pem)
    accepted = store.verify(data)
    assert accepted.sender == H41 and accepted.algorithm == "rsa-sha256" and not accepted.weak


def test_xmlsec1_sha1_refused_unless_allowed(nghe_an, tmp_path):
    data = xmlsec1_sign(nghe_an, tmp_path, sig=RSA_SHA1, digest=SHA1)
    store = trust.TrustStore()
    store.add(H41, nghe_an.cert_pem)
    with pytest.raises(RefusedMessage) as exc:
        store.verify(data)
    assert exc.value.reason_code == "weak_algorithm"
    accepted = store.verify(data, allow_sha1=True)
    assert accepted.weak and accepted.algorithm == "rsa-sha1"
    assert set(accepted.verified.weaknesses) == {"signature method rsa-sha1", "digest sha1"}


def test_sha1_digest_alone_is_weak(nghe_an, tmp_path):
    data = xmlsec1_sign(nghe_an, tmp_path, sig=RSA_SHA256, digest=SHA1)
    with pytest.raises(signing.SignatureRefused) as exc:
        signing.verify(data)
    assert exc.value.reason_code == "weak_algorithm"
    assert signing.verify(data, allow_sha1=True).weaknesses == ("digest sha1",)


def test_inclusive_c14n_from_xmlsec1_is_accepted(nghe_an, tmp_path):
    data = xmlsec1_sign(nghe_an, tmp_path, c14n="http://www.w3.org/TR/2001/REC-xml-c14n-20010315")
    assert signing.verify(data, legacy_c14n=True).algorithm == "rsa-sha256"


def test_only_signed_data_is_returned(nghe_an):
    # Comments are outside exclusive c14n, so they can be injected without breaking the
    # signature; a reader of the input tree would see "Về việc" only (text split by the comment).
    signed = signed_edoc(nghe_an)
    injected = signed.replace("Về việc".encode(), "Về việc<!-- injected -->".encode(), 1)
    assert injected != signed
    verified = signing.verify(injected)
    assert not list(verified.tree.iter(etree.Comment))
    subject = edxml.read_tree(verified.tree).subject
    assert subject == "Về việc phê duyệt kế hoạch số hóa hồ sơ lưu trữ năm 2025"


@pytest.mark.parametrize(
    "algorithm",
    ["http://www.w3.org/2001/04/xmldsig-more#hmac-sha256", "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256",
     "urn:nonsense"],
)
def test_non_rsa_signature_methods_are_refused(nghe_an, algorithm):
    root = etree.fromstring(signed_edoc(nghe_an))
    root.find(".//ds:SignatureMethod", NS).set("Algorithm", algorithm)
    with pytest.raises(signing.SignatureRefused) as exc:
        signing.verify(edxml.to_bytes(root))
    assert exc.value.reason_code == "malformed"


def test_unknown_transform_is_refused(nghe_an):
    root = etree.fromstring(signed_edoc(nghe_an))
    etree.SubElement(root.find(".//ds:Transforms", NS), f"{{{DS}}}Transform",
                     Algorithm="http://www.w3.org/TR/1999/REC-xpath-19991116")
    with pytest.raises(signing.SignatureRefused) as exc:
        signing.verify(edxml.to_bytes(root))
    assert exc.value.reason_code == "malformed"


def _big_edoc():
    return sample_edoc(attachments=[edxml.Attachment("big.pdf", bytes(range(256)) * 400, "application/pdf")])


def test_stock_signxml_verifies_our_signature(nghe_an):
    signed = signing.sign(edxml.to_bytes(edxml.build_edoc(_big_edoc())), nghe_an.key, nghe_an.cert)
    config = SignatureConfiguration(location=f"./{{{edxml.NS}}}edXMLEnvelope/{{{edxml.NS}}}edXMLHeader/")
    stock = XMLVerifier().verify(signed, x509_cert=nghe_an.cert, expect_config=config)
    ours = signing.verify(signed)
    assert etree.tostring(ours.tree, method="c14n", exclusive=True) == stock.signed_data
    assert edxml.read_tree(ours.tree).attachments[0].data == bytes(range(256)) * 400


def _tree_facts(root):
    return [(getattr(el, "tag", None), el.prefix if isinstance(el.tag, str) else None, el.nsmap if isinstance(el.tag, str)
             else None, el.items() if isinstance(el.tag, str) else None, el.text, el.tail) for el in root.iter()]


# (Not the #WithComments variants: for URI="" xmlsec1 leaves comments out, as the standard
# says, and signxml keeps them, so neither verifies the other's; _signed_tree is tested on them above.)
@pytest.mark.parametrize("method", [EXC_C14N, "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"])
def test_verified_tree_is_what_stock_signxml_returns(nghe_an, tmp_path, monkeypatch, method):
    # A message with comments, processing instructions, an unused namespace and a namespaced
    # attribute, signed by xmlsec1: verify() returns what signxml returns (the canonical bytes
    # parsed), though it parses the received message without the attachment.
    root = edxml.build_edoc(_big_edoc())
    root.set("{urn:x-extra}note", "1")
    root.insert(0, etree.Comment(" before the envelope "))
    root.find("e:edXMLEnvelope/e:edXMLHeader", NS).addprevious(etree.PI("archive", "x=1"))
    cte = root.find("e:AttachmentEncoded/e:Attachment/e:ContentTransferEncoded", NS)
    cte.addnext(etree.Comment(" after the payload "))
    root = etree.fromstring(etree.tostring(root).replace(b"<edXML ", b'<edXML xmlns:u="urn:unused" ', 1))
    key, cert = nghe_an.write(tmp_path)
    data = xmlsec1_sign_root(root, key, cert, str(tmp_path), c14n=method)
    config = SignatureConfiguration(location=f"./{{{edxml.NS}}}edXMLEnvelope/{{{edxml.NS}}}edXMLHeader/")
    stock = XMLVerifier().verify(data, x509_cert=nghe_an.cert, expect_config=config).signed_xml
    parsed = []
    real = etree.fromstring

    def counting(text, *args, **kwargs):
        parsed.append(len(text))
        return real(text, *args, **kwargs)

    ours = signing.verify(data, legacy_c14n=method != EXC_C14N).tree
    assert etree.tostring(ours) == etree.tostring(stock)
    assert _tree_facts(ours) == _tree_facts(stock)
    assert not list(ours.iter(etree.Comment))


def test_we_verify_stock_signxml_signature(nghe_an):
    # The way this module signed before it placed the Signature itself: signxml's placeholder.
    root = edxml.build_edoc(_big_edoc())
    unsigned = edxml.to_bytes(root)  # built once: the message carries the time it was built
    etree.SubElement(root.find("e:edXMLEnvelope/e:edXMLHeader", NS), f"{{{DS}}}Signature", Id="placeholder",
                     nsmap={"ds": DS})
    stock = XMLSigner(
        signature_algorithm=SignatureMethod.RSA_SHA256, digest_algorithm=DigestAlgorithm.SHA256,
        c14n_algorithm=CanonicalizationMethod.EXCLUSIVE_XML_CANONICALIZATION_1_0,
    ).sign(root, key=nghe_an.key, cert=[nghe_an.cert])
    data = edxml.to_bytes(stock)
    assert signing.verify(data).certificate == nghe_an.cert
    # ... and both sign the same bytes the same way (RSA PKCS#1 v1.5 is deterministic); ours
    # is written in its canonical form, after an XML declaration.
    ours = signing.sign(unsigned, nghe_an.key, nghe_an.cert)
    assert ours == b"<?xml version='1.0' encoding='UTF-8'?>\n" + etree.tostring(stock, method="c14n", exclusive=True)


def test_signed_bytes_round_trip(nghe_an):
    signed = signing.sign(edxml.to_bytes(edxml.build_edoc(_big_edoc())), nghe_an.key, nghe_an.cert)
    assert signing.serialize(etree.fromstring(signed)) == signed
    assert not any(0xE000 <= ord(c) <= 0xE0FF for c in signed.decode("utf-8")), "a splice marker was left"


def test_tampered_attachment_is_refused(nghe_an):
    signed = signing.sign(edxml.to_bytes(edxml.build_edoc(_big_edoc())), nghe_an.key, nghe_an.cert)
    root = etree.fromstring(signed)
    cte = root.find("e:AttachmentEncoded/e:Attachment/e:ContentTransferEncoded", NS)
    cte.text = cte.text[:5000] + ("B" if cte.text[5000] != "B" else "C") + cte.text[5001:]
    with pytest.raises(signing.SignatureRefused) as exc:
        signing.verify(edxml.to_bytes(root))
    assert exc.value.reason_code == "tampered"


def test_signer_reuses_its_key(nghe_an, quang_ninh):
    signer = signing.Signer(nghe_an.key_pem, nghe_an.cert_pem)
    assert signing.Signer(nghe_an.key_pem, nghe_an.cert_pem).key is signer.key  # loaded once per process
    unsigned = edxml.to_bytes(edxml.build_edoc(sample_edoc()))
    first, second = signer.sign(unsigned), signer.sign(unsigned)
    assert first == second == signing.sign(unsigned, nghe_an.key, nghe_an.cert)
    assert signing.verify(first).certificate == nghe_an.cert
    with pytest.raises(ValueError, match="does not belong"):
        signing.Signer(nghe_an.key, quang_ninh.cert)


def test_signing_a_tree_or_its_bytes_gives_the_same_message(nghe_an):
    root = edxml.build_edoc(_big_edoc())
    before = etree.tostring(root)
    from_tree = signing.sign(root, nghe_an.key, nghe_an.cert)
    assert etree.tostring(root) == before, "the caller's tree must stay untouched"
    assert from_tree == signing.sign(edxml.to_bytes(root), nghe_an.key, nghe_an.cert)
    assert signing.serialize(signing.sign_tree(root, nghe_an.key, nghe_an.cert)) == from_tree


def _reshaped(signed, change):
    root = etree.fromstring(signed)
    change(root.find("e:edXMLEnvelope/e:edXMLHeader/ds:Signature", NS))
    return edxml.to_bytes(root)


@pytest.mark.parametrize("where", ["Signature and KeyInfo", "KeyInfo"])
def test_an_xml_id_that_xml_refuses_is_refused_even_where_nothing_is_signed(nghe_an, where):
    # Duplicated, or not a name: libxml2 says so only while it keeps its table of IDs.
    def change(sig):
        sig[2].set("{http://www.w3.org/XML/1998/namespace}id", "s" if where != "KeyInfo" else "1 2")
        if where != "KeyInfo":
            sig.set("{http://www.w3.org/XML/1998/namespace}id", "s")
    with pytest.raises(ExchangeError) as exc:
        signing.verify(_reshaped(signed_edoc(nghe_an), change))
    message = exc.value.message
    assert exc.value.reason_code == "malformed" and ("xml:id" in message or "ID s already defined" in message), message


def _swap_first_two(el):
    first = el[0]
    el.remove(first)
    el.insert(1, first)


@pytest.mark.parametrize("change, part", [
    (lambda sig: sig.insert(2, etree.fromstring(etree.tostring(sig[1]))), "Signature"),  # a second SignatureValue
    (lambda sig: sig.remove(sig[1]), "Signature"),  # no SignatureValue
    (lambda sig: _swap_first_two(sig[0]), "SignedInfo"),  # SignatureMethod before CanonicalizationMethod
    (lambda sig: sig[0].append(etree.Element(f"{{{DS}}}Object")), "SignedInfo"),
    (lambda sig: _swap_first_two(sig[0][2]), "Reference"),  # DigestMethod before Transforms
    (lambda sig: sig[0][2][0].clear(), "Transforms"),  # no Transform left
])
def test_signature_out_of_schema_order_is_refused_before_any_cryptography(nghe_an, change, part):
    data = _reshaped(signed_edoc(nghe_an), change)
    with pytest.raises(signing.SignatureRefused) as exc:
        signing.verify(data)
    assert exc.value.reason_code == "malformed"
    assert f"Signature/{part}: " in exc.value.message


def _crafted_certificate(party, extensions, patch):
    """DER of a certificate with `extensions`, then bytes changed so that reading it fails late."""
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "crafted")])
    builder = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(party.key.public_key())
               .serial_number(1).not_valid_before(datetime(2020, 1, 1)).not_valid_after(datetime(2030, 1, 1)))
    for extension in extensions:
        builder = builder.add_extension(extension, critical=False)
    der = builder.sign(party.key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)
    old, new = patch
    assert der.count(old) == 1
    return der.replace(old, new)


def test_a_crafted_certificate_is_refused_not_raised(nghe_an):
    # KeyInfo is not signed: whatever cryptography raises reading it is a refusal.
    key_usage = x509.KeyUsage(True, False, False, False, False, False, False, False, False)
    crafted = {
        "two BasicConstraints": _crafted_certificate(
            nghe_an, [x509.BasicConstraints(ca=True, path_length=None), key_usage],
            (bytes.fromhex("0603551d0f"), bytes.fromhex("0603551d13"))),  # KeyUsage's OID made BasicConstraints'
        "x400Address name": _crafted_certificate(
            nghe_an, [x509.SubjectAlternativeName([x509.DNSName("aaaa")])], (b"\x82\x04aaaa", b"\xa3\x04aaaa")),
    }
    signed = signed_edoc(nghe_an)
    text = re.search(rb"<ds:X509Certificate>(.*?)</ds:X509Certificate>", signed, re.S)
    for what, der in crafted.items():
        with pytest.raises(signing.SignatureRefused) as exc:
            signing.verify(signed[:text.start(1)] + base64.b64encode(der) + signed[text.end(1):])
        assert exc.value.reason_code == "malformed", what
        assert "unreadable certificate" in exc.value.message, what


def _with_control_character(data):
    at = data.index(b"ContentTransferEncoded>") + len(b"ContentTransferEncoded>") + 5000
    return data[:at] + b"\x01" + data[at + 1:]


def test_signing_bytes_that_are_not_xml_is_refused(nghe_an):
    # The attachment's base64 is not parsed when signing bytes; anything else in it sends
    # the message to the parser, which refuses it as the receiver would.
    unsigned = _with_control_character(edxml.to_bytes(edxml.build_edoc(_big_edoc())))
    with pytest.raises(edxml.EdxmlError, match="not well-formed"):
        signing.sign(unsigned, nghe_an.key, nghe_an.cert)


def _reversed_transforms(sig):
    transforms = sig[0][2][0]
    transforms.append(transforms[0])  # enveloped-signature moved after the c14n


@pytest.mark.parametrize("change, reason, says, xmlsec1_too", [
    (lambda sig: setattr(sig[0][1], "tail", "text"), "malformed", "Signature/SignedInfo: holds text", True),
    (lambda sig: setattr(sig, "text", "text"), "malformed", "Signature/Signature: holds text", False),
    (lambda sig: setattr(sig[0], "tail", "\u00a0"), "malformed", "Signature/Signature: holds text", False),
    (_reversed_transforms, "malformed", "Reference/Transforms", True),
    (lambda sig: setattr(sig[1], "text", "!" + sig[1].text[1:]), "malformed", "Signature/SignatureValue", True),
])
def test_a_signature_outside_the_schema_is_refused(nghe_an, tmp_path, change, reason, says, xmlsec1_too):
    # Text between the Signature's elements (the schema allows none), transforms in an order
    # that cannot apply, a SignatureValue that is not base64: refused though the SignedInfo
    # may still verify. xmlsec1 refuses all but the text directly in Signature.
    data = _reshaped(signed_edoc(nghe_an), change)
    with pytest.raises(ExchangeError) as exc:
        signing.verify(data)
    assert exc.value.reason_code == reason and says in exc.value.message, exc.value.message
    _, cert = nghe_an.write(tmp_path)
    (tmp_path / "m.xml").write_bytes(data)
    refused = xmlsec1("--verify", "--pubkey-cert-pem", cert, str(tmp_path / "m.xml"), check=False).returncode != 0
    assert refused == xmlsec1_too


@pytest.mark.parametrize("over", [1, 3, 40_000])
def test_an_oversized_attachment_is_refused_alike_from_the_signed_data_or_its_tree(nghe_an, over):
    # Read from the decoded payloads (the usual way) or from the whole signed tree: same refusal, same words.
    payload = b"\1" * 30_000
    data = signing.sign(edxml.to_bytes(edxml.build_edoc(sample_edoc(attachments=[edxml.Attachment("a.bin", payload)]))),
                        nghe_an.key, nghe_an.cert)
    verified = signing.verify(data)
    limits = edxml.Limits(max_attachment_bytes=len(payload) - over)
    refusals = []
    for read in (lambda: verified.read(limits), lambda: edxml.read_tree(verified.tree, limits)):
        with pytest.raises(edxml.MessageTooLarge) as exc:
            read()
        refusals.append(str(exc.value))
    assert refusals[0] == refusals[1] and f"attachment is 30000 bytes, limit is {30_000 - over}" in refusals[0]
