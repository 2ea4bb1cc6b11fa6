"""Helpers for the exchange tests of Plone sites: throw-away keys written to disk, a legal document."""
import os
import sys
import tempfile
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

# The algorithm names and the xmlsec1 signer of the library's exchange tests.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "exchange"))
from exchange_helpers import RSA_SHA1  # noqa: E402,F401 - re-exported for the site tests
from exchange_helpers import RSA_SHA256  # noqa: E402
from exchange_helpers import SHA1  # noqa: E402,F401 - re-exported for the site tests
from exchange_helpers import SHA256  # noqa: E402
from exchange_helpers import xmlsec1_sign_root  # noqa: E402


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


def xmlsec1_sign(party, root, directory, sig=RSA_SHA256, digest=SHA256):
    """Sign an edXML tree with the independent `xmlsec1 --sign` and `party`'s key files."""
    with tempfile.TemporaryDirectory(dir=directory) as work:
        return xmlsec1_sign_root(root, party.key_path, party.cert_path, work, sig=sig, digest=digest)
