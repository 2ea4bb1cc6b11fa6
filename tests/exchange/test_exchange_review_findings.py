"""The outside review's findings (issue 17), each refused or verified correctly now."""

import base64

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from exchange_helpers import sample_edoc, signed_edoc, xmlsec1_sign_root
from lxml import etree
from oracles import stock_signxml
from oracles import xmlsec1 as xmlsec1_verdict

from archive.exchange import cli_edxml, edxml, signing
from archive.exchange.errors import ExchangeError

INCLUSIVE_C14N = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
NS = {"e": edxml.NS}
DS = edxml.DS_NS


def _refused(data, says, reason="malformed", **kw):
    with pytest.raises(signing.SignatureRefused) as exc:
        signing.verify(data, **kw)
    assert exc.value.reason_code == reason and says in exc.value.message, exc.value.message


@pytest.mark.parametrize("change", [
    lambda d: d + b"<?archive note?>",
    lambda d: d + b"<!-- after -->",
    lambda d: d.replace(b"?>\n", b"?>\n<?archive note?>", 1),
    lambda d: d.replace(b"?>\n", b"?>\n<!-- before -->", 1),
])
def test_nodes_outside_the_root_element_are_refused(nghe_an, change):
    data = change(signed_edoc(nghe_an))
    _refused(data, "outside the root element")


def test_a_pi_outside_the_root_is_refused_by_xmlsec1_too(nghe_an):
    signed = signed_edoc(nghe_an)
    assert xmlsec1_verdict(signed, nghe_an.cert_pem) is not None
    assert xmlsec1_verdict(signed + b"<?archive note?>", nghe_an.cert_pem) is None


def _inclusive_with_xml_lang(party, tmp_path):
    root = edxml.build_edoc(sample_edoc(party.organ_id))
    root.find("e:edXMLEnvelope/e:edXMLHeader", NS).set(XML_LANG, "vi")
    key, cert = party.write(tmp_path)
    return xmlsec1_sign_root(root, key, cert, str(tmp_path), c14n=INCLUSIVE_C14N)


def test_inclusive_c14n_is_refused_unless_legacy_mode(nghe_an, tmp_path):
    data = _inclusive_with_xml_lang(nghe_an, tmp_path)
    _refused(data, "SignedInfo/CanonicalizationMethod")


def test_legacy_inclusive_c14n_takes_inherited_xml_attributes_into_account(nghe_an, tmp_path):
    # A genuine inclusive signature (xmlsec1's) over a header carrying xml:lang: SignedInfo's
    # canonical form carries the inherited xml:lang, which a verifier canonicalising a copy
    # of the Signature alone leaves out.
    data = _inclusive_with_xml_lang(nghe_an, tmp_path)
    assert xmlsec1_verdict(data, nghe_an.cert_pem) is not None
    verified = signing.verify(data, legacy_c14n=True)
    assert verified.read().from_.organ_id == nghe_an.organ_id
    assert verified.weak and "canonicalisation inclusive c14n 1.0 (legacy mode)" in verified.weaknesses
    # ... and an xml:lang changed on the way breaks it, as it breaks xmlsec1's verification.
    altered = data.replace(b'xml:lang="vi"', b'xml:lang="en"', 1)
    assert xmlsec1_verdict(altered, nghe_an.cert_pem) is None
    _refused(altered, "signature value does not match", reason="tampered", legacy_c14n=True)


def test_a_relative_namespace_uri_inside_the_signature_is_refused(nghe_an):
    signed = signed_edoc(nghe_an)
    data = signed.replace(b'<ds:Signature xmlns:ds="', b'<ds:Signature xmlns:r="relative/ns" xmlns:ds="', 1)
    assert data != signed
    _refused(data, "relative URI")


@pytest.mark.parametrize("old, new, says", [
    (b"<ds:KeyInfo>", b'<ds:KeyInfo Note="x">', "attribute Note"),
    (b"<ds:KeyInfo>", b'<ds:KeyInfo><x:note xmlns:x="urn:x"/>', "element {urn:x}note"),
    (b"<ds:X509Data>", b'<ds:X509Data><x:note xmlns:x="urn:x"/>', "element {urn:x}note"),
    (b"<ds:X509Data>", b"<ds:X509Data>text", "X509Data: holds text"),
    (b"<ds:SignatureValue>", b'<ds:SignatureValue Note="x">', "attribute Note"),
    (b"<ds:KeyInfo>", b"<ds:KeyInfo><!-- c -->", "a comment or processing instruction"),
])
def test_signature_content_outside_the_schema_is_refused(nghe_an, old, new, says):
    signed = signed_edoc(nghe_an)
    data = signed.replace(old, new, 1)
    assert data != signed
    _refused(data, says)


def test_a_foreign_element_in_canonicalization_method_is_refused(nghe_an):
    # Signed genuinely (the SignatureValue made over the SignedInfo holding it). Stock signxml's
    # schema refuses it (a strict wildcard there), and xmlsec1 will not even sign it.
    root = etree.fromstring(signed_edoc(nghe_an))
    sig = root.find("e:edXMLEnvelope/e:edXMLHeader/ds:Signature", {**NS, "ds": DS})
    etree.SubElement(sig[0][0], "{urn:x}note", nsmap={"x": "urn:x"})
    canonical = etree.tostring(sig[0], method="c14n", exclusive=True)
    sig[1].text = base64.b64encode(nghe_an.key.sign(canonical, padding.PKCS1v15(), hashes.SHA256())).decode()
    data = edxml.to_bytes(root)
    assert stock_signxml(data, nghe_an.cert) is None
    _refused(data, "element {urn:x}note")


def _unsigned(party, subject="Về việc phê duyệt kế hoạch"):
    return edxml.to_bytes(edxml.build_edoc(sample_edoc(party.organ_id, subject=subject)))


@pytest.mark.parametrize("split, where", [
    (lambda d: d.replace("Về việc".encode(), "Về<!-- x --> việc".encode(), 1), "Subject"),
    (lambda d: d.replace("Về việc".encode(), "Về<?pi x?> việc".encode(), 1), "Subject"),
    (lambda d: d.replace(b"ContentTransferEncoded>JVBE", b"ContentTransferEncoded>JV<!-- x -->BE", 1),
     "ContentTransferEncoded"),
])
def test_the_signer_and_inspect_refuse_mixed_content_in_text_fields(nghe_an, split, where):
    unsigned = _unsigned(nghe_an)
    data = split(unsigned)
    assert data != unsigned
    with pytest.raises(edxml.ValidationError, match="mixed content") as exc:
        signing.sign(data, nghe_an.key, nghe_an.cert)
    assert exc.value.element.endswith(where)
    with pytest.raises(ExchangeError, match="mixed content"):
        cli_edxml.describe(data)


def test_a_subject_too_long_for_receivers_is_refused_by_the_signer(nghe_an):
    # 950 characters, split by a comment into 500 and 450: the first text alone fits the limit,
    # the signed (canonical) Subject does not.
    data = _unsigned(nghe_an, subject="a" * 950).replace(b"a" * 950, b"a" * 500 + b"<!-- x -->" + b"a" * 450)
    with pytest.raises(edxml.ValidationError):
        signing.sign(data, nghe_an.key, nghe_an.cert)
    with pytest.raises(edxml.ValidationError, match="950 characters"):
        signing.sign(_unsigned(nghe_an, subject="a" * 950), nghe_an.key, nghe_an.cert)


def test_what_the_signer_validated_is_what_receivers_read(nghe_an):
    # Comments between elements are dropped by canonicalisation: the signer validates the
    # canonical form it signs, and the signed message holds no comment.
    unsigned = _unsigned(nghe_an).replace(b"<edXML:edXMLEnvelope>", b"<edXML:edXMLEnvelope><!-- x -->", 1)
    signed = signing.sign(unsigned, nghe_an.key, nghe_an.cert)
    assert b"<!--" not in signed
    assert signing.verify(signed).read() == edxml.read_tree(edxml.safe_fromstring(unsigned))


def test_no_private_signxml_name_in_the_exchange_library():
    import pathlib
    import re

    src = pathlib.Path(signing.__file__).parent
    for path in src.rglob("*.py"):
        text = path.read_text()
        assert not re.search(r"signxml[\w.]*\._|from signxml[\w.]* import[^\n]*\b_\w", text), path
        assert not re.search(r"\b(?:XMLVerifier|XMLSigner)\)|\._(?:c14n|fromstring|parser|ds_tag|unpack)\b", text), path
