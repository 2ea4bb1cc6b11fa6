"""XMLDSig on edXML: signxml output checked by xmlsec1, xmlsec1 output checked by us."""

import pytest
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
)
from lxml import etree

from archive.exchange import edxml, signing, trust
from archive.exchange.errors import RefusedMessage

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
def test_xmlsec1_accepts_our_signature(nghe_an, tmp_path, mode):
    _, cert = nghe_an.write(tmp_path)
    f = tmp_path / "signed.xml"
    f.write_bytes(signed_edoc(nghe_an))
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
    assert signing.verify(data).algorithm == "rsa-sha256"


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
