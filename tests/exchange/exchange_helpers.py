"""Helpers for the edXML exchange tests: parties with throw-away keys, sample messages, xmlsec1."""

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

try:
    import archive.exchange  # noqa: F401
except ImportError:  # checkout not installed in the venv yet: use the source tree
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "src"))

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509.oid import NameOID

from lxml import etree

from archive.exchange import edxml

H41 = "000.00.00.H41"  # Nghệ An
H49 = "000.00.00.H49"  # Quảng Ninh
G09 = "000.00.00.G09"  # Ministry of Home Affairs


@dataclass
class Party:
    organ_id: str
    key: object
    cert: x509.Certificate

    @property
    def key_pem(self):
        return self.key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )

    @property
    def cert_pem(self):
        return self.cert.public_bytes(serialization.Encoding.PEM)

    def write(self, directory):
        """Write key.pem / cert.pem under directory; returns (key_path, cert_path)."""
        k, c = os.path.join(directory, f"{self.organ_id}.key"), os.path.join(directory, f"{self.organ_id}.crt")
        with open(k, "wb") as fh:
            fh.write(self.key_pem)
        with open(c, "wb") as fh:
            fh.write(self.cert_pem)
        return k, c


def make_cert(key, cn, not_before=None, not_after=None):
    now = datetime.now(timezone.utc)
    not_before = not_before or now - timedelta(days=30)
    not_after = not_after or now + timedelta(days=365)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn), x509.NameAttribute(NameOID.COUNTRY_NAME, "VN")])
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )


def sample_edoc(sender=H41, receiver=H49, *, attachments=None, trace_time=None, subject=None, **kw):
    today = now_vn().date()  # the date in Vietnam, as a promulgation date is
    return edxml.EdocMessage(
        from_=edxml.Organization(sender, "UBND tỉnh Nghệ An", organ_add="16 Trường Thi, Vinh", email="vt@nghean.gov.vn"),
        to=[edxml.Organization(receiver, "UBND tỉnh Quảng Ninh")],
        code=edxml.Code("45", "QĐ-UBND"),
        promulgation_info=edxml.PromulgationInfo("Nghệ An", kw.pop("promulgation_date", today)),
        subject=subject or "Về việc phê duyệt kế hoạch số hóa hồ sơ lưu trữ năm 2025",
        document_type=edxml.DocumentType("1", "2", "Quyết định"),
        content="Nội dung quyết định",
        signer_info=edxml.SignerInfo("Chủ tịch", "Chủ tịch UBND tỉnh", "Nguyễn Văn A"),
        trace_headers=(
            [edxml.TraceHeader(sender, trace_time)] if trace_time else kw.pop("trace_headers", [])
        ),
        attachments=(
            attachments
            if attachments is not None
            else [edxml.Attachment("quyet-dinh.pdf", b"%PDF-1.7\n" + bytes(range(256)) * 4, "application/pdf")]
        ),
        **kw,
    )


def now_vn():
    return datetime.now(edxml.VIETNAM_TZ).replace(tzinfo=None, microsecond=0)


def signed_edoc(party, msg=None):
    from archive.exchange import signing

    msg = msg or sample_edoc(party.organ_id)
    return signing.sign(edxml.to_bytes(edxml.build_edoc(msg)), party.key_pem, party.cert_pem)


XMLSEC1 = shutil.which("xmlsec1")


def xmlsec1(*args, check=True):
    # Never skip: the interoperability check is part of the contract.
    assert XMLSEC1, "xmlsec1 is not installed (apt-get install xmlsec1)"
    proc = subprocess.run([XMLSEC1, *args], capture_output=True, text=True, timeout=30)
    if check:
        assert proc.returncode == 0, proc.stderr
    return proc


RSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
RSA_SHA1 = "http://www.w3.org/2000/09/xmldsig#rsa-sha1"
SHA256 = "http://www.w3.org/2001/04/xmlenc#sha256"
SHA1 = "http://www.w3.org/2000/09/xmldsig#sha1"
EXC_C14N = "http://www.w3.org/2001/10/xml-exc-c14n#"

TEMPLATE = """<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#">
<ds:SignedInfo>
<ds:CanonicalizationMethod Algorithm="{c14n}"/>
<ds:SignatureMethod Algorithm="{sig}"/>
<ds:Reference URI="">
<ds:Transforms>
<ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/>
<ds:Transform Algorithm="{c14n}"/>
</ds:Transforms>
<ds:DigestMethod Algorithm="{digest}"/>
<ds:DigestValue></ds:DigestValue>
</ds:Reference>
</ds:SignedInfo>
<ds:SignatureValue></ds:SignatureValue>
<ds:KeyInfo><ds:X509Data></ds:X509Data></ds:KeyInfo>
</ds:Signature>"""


def xmlsec1_sign_root(root, key_path, cert_path, work_dir, sig=RSA_SHA256, digest=SHA256, c14n=EXC_C14N):
    """Sign an edXML tree with the independent `xmlsec1 --sign`, from a template placed as the last
    child of edXMLHeader (it checks nothing about edXML, so it signs what our builder refuses, and
    with RSA-SHA1 as older axis traffic does). `root` gets the template; returns the signed bytes."""
    header = root.find("e:edXMLEnvelope/e:edXMLHeader", {"e": edxml.NS})
    header.append(etree.fromstring(TEMPLATE.format(sig=sig, digest=digest, c14n=c14n)))
    tmpl, out = os.path.join(work_dir, "template.xml"), os.path.join(work_dir, "xmlsec1-signed.xml")
    with open(tmpl, "wb") as fh:
        fh.write(edxml.to_bytes(root))
    xmlsec1("--sign", "--privkey-pem", f"{key_path},{cert_path}", "--output", out, tmpl)
    with open(out, "rb") as fh:
        return fh.read()


def xmlsec1_sign(party, tmp_path, msg=None, sig=RSA_SHA256, digest=SHA256, c14n=EXC_C14N):
    """Sign an edXML message (a sample one by default) with `xmlsec1 --sign`."""
    key, cert = party.write(tmp_path)
    return xmlsec1_sign_root(edxml.build_edoc(msg or sample_edoc(party.organ_id)), key, cert, str(tmp_path),
                             sig, digest, c14n)
