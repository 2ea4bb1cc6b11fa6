"""Helpers for the exchange tests of Plone sites: throw-away keys written to disk, a legal document."""
import os
from dataclasses import dataclass
from datetime import date
from datetime import datetime
from datetime import timedelta
from datetime import timezone

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID


@dataclass
class Party:
    organ_id: str
    key_pem: bytes
    cert_pem: bytes
    key_path: str = ""
    cert_path: str = ""


def make_party(organ_id, directory, cn=None):
    """A fresh RSA-2048 key and a self-signed certificate, written under `directory`."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = datetime.now(timezone.utc)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn or organ_id),
                      x509.NameAttribute(NameOID.COUNTRY_NAME, "VN")])
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(days=30))
            .not_valid_after(now + timedelta(days=365)).sign(key, hashes.SHA256()))
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    cert_pem = cert.public_bytes(serialization.Encoding.PEM)
    party = Party(organ_id, key_pem, cert_pem, os.path.join(directory, f"{organ_id}.key"),
                  os.path.join(directory, f"{organ_id}.crt"))
    with open(party.key_path, "wb") as fh:
        fh.write(key_pem)
    os.chmod(party.key_path, 0o600)
    with open(party.cert_path, "wb") as fh:
        fh.write(cert_pem)
    return party


LEGAL_FIELDS = dict(document_type="provincial_committee_decision", title="Quy định cấp giấy phép xây dựng trên địa bàn tỉnh",
                    issuing_body="UBND tỉnh Nghệ An", signer="Lê Hồng Vinh", number_notation="15/2025/QĐ-UBND",
                    issue_date=date(2025, 3, 1))


RSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
RSA_SHA1 = "http://www.w3.org/2000/09/xmldsig#rsa-sha1"
SHA256 = "http://www.w3.org/2001/04/xmlenc#sha256"
SHA1 = "http://www.w3.org/2000/09/xmldsig#sha1"
EXC_C14N = "http://www.w3.org/2001/10/xml-exc-c14n#"
SIGNATURE_TEMPLATE = """<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#">
<ds:SignedInfo><ds:CanonicalizationMethod Algorithm="{c14n}"/><ds:SignatureMethod Algorithm="{sig}"/>
<ds:Reference URI=""><ds:Transforms>
<ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/>
<ds:Transform Algorithm="{c14n}"/></ds:Transforms>
<ds:DigestMethod Algorithm="{digest}"/><ds:DigestValue></ds:DigestValue></ds:Reference></ds:SignedInfo>
<ds:SignatureValue></ds:SignatureValue><ds:KeyInfo><ds:X509Data></ds:X509Data></ds:KeyInfo></ds:Signature>"""


def xmlsec1_sign(party, root, directory, sig=RSA_SHA256, digest=SHA256):
    """Sign an edXML tree with the independent `xmlsec1 --sign` (it checks nothing about edXML,
    so it also signs messages our builder refuses, and signs with RSA-SHA1 as older axis traffic does)."""
    import shutil
    import subprocess
    import tempfile

    from archive.exchange import edxml
    from lxml import etree

    binary = shutil.which("xmlsec1")
    assert binary, "xmlsec1 is not installed (apt-get install xmlsec1)"  # never skipped
    header = root.find("e:edXMLEnvelope/e:edXMLHeader", {"e": edxml.NS})
    header.append(etree.fromstring(SIGNATURE_TEMPLATE.format(sig=sig, digest=digest, c14n=EXC_C14N)))
    with tempfile.TemporaryDirectory(dir=directory) as work:
        template, out = os.path.join(work, "template.xml"), os.path.join(work, "signed.xml")
        with open(template, "wb") as fh:
            fh.write(edxml.to_bytes(root))
        proc = subprocess.run([binary, "--sign", "--privkey-pem", f"{party.key_path},{party.cert_path}",
                               "--output", out, template], capture_output=True, text=True, timeout=30)
        assert proc.returncode == 0, proc.stderr
        with open(out, "rb") as fh:
            return fh.read()
