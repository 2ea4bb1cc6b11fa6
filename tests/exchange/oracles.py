"""Two independent verifiers as oracles for signing.verify: stock signxml and xmlsec1.

Each gives the bytes it says were signed (the canonical form digested for URI=""), or None
when it refuses the message."""

import os
import re
import subprocess
import tempfile

from cryptography import x509
from lxml import etree
from exchange_helpers import XMLSEC1
from signxml import SignatureConfiguration, XMLVerifier

from archive.exchange import edxml

LOCATION = SignatureConfiguration(location=f"./{{{edxml.NS}}}edXMLEnvelope/{{{edxml.NS}}}edXMLHeader/")


def embedded_certificate(data):
    text = etree.fromstring(data).find(".//{http://www.w3.org/2000/09/xmldsig#}X509Certificate").text
    pem = "-----BEGIN CERTIFICATE-----\n" + "".join(text.split()) + "\n-----END CERTIFICATE-----\n"
    return x509.load_pem_x509_certificate(pem.encode())


def stock_signxml(data, cert):
    """Stock signxml trusting `cert`: the signed data, or None."""
    try:
        return XMLVerifier().verify(data, x509_cert=cert, expect_config=LOCATION).signed_data
    except Exception:  # noqa: BLE001 (any refusal, from signxml, lxml or cryptography)
        return None


def xmlsec1(data, cert_pem):
    """`xmlsec1 --verify` with the certificate's key: the pre-digest bytes of its one
    reference (what it digested), or None if it refuses."""
    assert XMLSEC1, "xmlsec1 is not installed (apt-get install xmlsec1)"
    with tempfile.TemporaryDirectory() as work:
        msg, cert = os.path.join(work, "m.xml"), os.path.join(work, "c.pem")
        with open(msg, "wb") as fh:
            fh.write(data)
        with open(cert, "wb") as fh:
            fh.write(cert_pem)
        proc = subprocess.run(
            [XMLSEC1, "--verify", "--pubkey-cert-pem", cert, "--enabled-key-data", "x509,rsa",
             "--store-references", "--print-debug", msg],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=30,
        )
    if proc.returncode != 0:
        return None
    out = proc.stdout
    found = re.findall(rb"== PreDigest data - start buffer:\n(.*?)\n== PreDigest data - end buffer", out, re.S)
    assert len(found) == 1, out[-2000:]
    return found[0]
