"""signing.verify runs signxml's verification steps in its own order (see _DocumentVerifier);
stock signxml's XMLVerifier.verify() is the judge: on signed, altered and re-signed messages,
both give the same verdict and, when they accept, the same signed data and the same message
read from it."""

import random
import re

import pytest
from exchange_helpers import EXC_C14N, sample_edoc, xmlsec1_sign_root
from lxml import etree
from signxml import SignatureConfiguration, XMLVerifier

from archive.exchange import edxml, signing
from archive.exchange.errors import ExchangeError

DS = "http://www.w3.org/2000/09/xmldsig#"
INCLUSIVE_C14N = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"
LOCATION = SignatureConfiguration(location=f"./{{{edxml.NS}}}edXMLEnvelope/{{{edxml.NS}}}edXMLHeader/")


def _embedded_certificate(data):
    text = re.search(rb"<ds:X509Certificate>(.*?)</ds:X509Certificate>", data, re.S).group(1).decode()
    return signing._read_certificate("".join(text.split()))


def _reading(read):
    """The message read from signed data, or the refusal reading gives (its type and text)."""
    try:
        return read()
    except ExchangeError as exc:
        return type(exc).__name__, str(exc)


def stock_verdict(data):
    """Stock signxml, trusting the certificate the message carries (trust is the trust store's job):
    the signed data and the message read from it (signxml's signed_xml), or None."""
    try:
        cert = _embedded_certificate(data)
        signed = XMLVerifier().verify(data, x509_cert=cert, expect_config=LOCATION).signed_data
    except Exception:  # noqa: BLE001 (any refusal, from signxml, lxml or cryptography)
        return None
    return signed, _reading(lambda: edxml.read_tree(etree.fromstring(signed)))


def our_verdict(data):
    """Ours: the signed tree, canonicalised, and the message read from the signed data (which
    takes the attachments' base64 decoded beside the tree where verification could)."""
    try:
        verified = signing.verify(data)
    except ExchangeError:
        return None
    return etree.tostring(verified.tree, method="c14n", exclusive=True), _reading(verified.read)


def _message():
    return edxml.build_edoc(sample_edoc(attachments=[edxml.Attachment("big.pdf", bytes(range(256)) * 300, "application/pdf")]))


@pytest.fixture(scope="module")
def messages(nghe_an, tmp_path_factory):
    """Two messages signed by us (the second with its base64 wrapped in lines, which the
    verifier cannot decode strictly and so parses whole), two by xmlsec1 (exclusive and
    inclusive canonicalisation)."""
    work = tmp_path_factory.mktemp("oracle")
    key, cert = nghe_an.write(work)
    unsigned = edxml.to_bytes(_message())
    b64 = re.search(rb"ContentTransferEncoded>([^<]+)<", unsigned).group(1)
    wrapped = unsigned.replace(b64, b"\n".join(b64[i:i + 76] for i in range(0, len(b64), 76)))
    return {
        "ours": signing.sign(unsigned, nghe_an.key, nghe_an.cert),
        "ours, wrapped base64": signing.sign(wrapped, nghe_an.key, nghe_an.cert),
        "xmlsec1 exclusive": xmlsec1_sign_root(_message(), key, cert, str(work), c14n=EXC_C14N),
        "xmlsec1 inclusive": xmlsec1_sign_root(_message(), key, cert, str(work), c14n=INCLUSIVE_C14N),
    }


def _flip(data, at):
    """`data` with the byte at `at` changed into another of its kind (letter, digit or other)."""
    c = data[at]
    if 65 <= c <= 90 or 97 <= c <= 122:
        new = c ^ 0x20  # other case
    elif 48 <= c <= 57:
        new = 48 + (c - 47) % 10
    elif c == 32:
        new = 9  # a space into a tab
    else:
        new = 32
    return data[:at] + bytes([new]) + data[at + 1:]


def _positions(data, rng):
    """Places to alter: all over the header and the Signature, a few in the attachment."""
    sig_at, sig_end = data.index(b"<ds:Signature"), data.index(b"</ds:Signature>")
    payload_at = data.index(b"ContentTransferEncoded>")
    spots = set(range(0, payload_at, 61)) | set(range(sig_at, sig_end, 13))
    spots |= set(rng.sample(range(payload_at, len(data)), 12))
    return sorted(spots)


@pytest.mark.parametrize("name", ["ours", "ours, wrapped base64", "xmlsec1 exclusive", "xmlsec1 inclusive"])
def test_unaltered_messages_give_the_same_signed_data(messages, name):
    stock = stock_verdict(messages[name])
    assert stock is not None
    assert our_verdict(messages[name]) == stock


@pytest.mark.parametrize("name", ["ours", "ours, wrapped base64", "xmlsec1 exclusive", "xmlsec1 inclusive"])
def test_every_altered_byte_gets_the_verdict_stock_signxml_gives(messages, name):
    data = messages[name]
    disagreements, refused = [], 0
    for at in _positions(data, random.Random(name)):
        altered = _flip(data, at)
        stock, ours = stock_verdict(altered), our_verdict(altered)
        if stock != ours:
            disagreements.append((at, data[max(0, at - 30):at + 30], stock is not None, ours is not None))
        refused += ours is None
    assert not disagreements, disagreements
    assert refused > 100  # most changes break the signature; the rest are ones c14n ignores


def test_equivalent_rewrites_are_accepted_by_both(messages):
    data = messages["ours"]
    rewrites = [
        data.replace("Về việc".encode(), "Về việc<!-- not signed -->".encode(), 1),  # comments are outside c14n
        data.replace(b"?>", b"?>\n<!-- before the root -->", 1),
        data.replace(b"edXMLEnvelope>", b"edXMLEnvelope >", 1),  # space in a start tag
        # The attachment's base64 as the verifier does not cut it out (it then parses it whole):
        # a comment in the middle, at its start, and a character reference for one letter.
        re.sub(rb"(ContentTransferEncoded>[^<]{5000})", rb"\1<!-- split -->", data, count=1),
        data.replace(b"ContentTransferEncoded>", b"ContentTransferEncoded><!---->", 1),
        data.replace(b"ContentTransferEncoded>A", b"ContentTransferEncoded>&#65;", 1),
        # A long payload-like text inside the Signature, which the enveloped transform removes
        # with it: the verifier cuts it out, misses its marker in the canonical form and
        # verifies the whole message instead.
        data.replace(b"</ds:Signature>", b"<ds:Object><ContentTransferEncoded xmlns=''>" + b"QUJD" * 2000
                     + b"</ContentTransferEncoded></ds:Object></ds:Signature>", 1),
    ]
    for rewritten in rewrites:
        assert rewritten != data
        stock = stock_verdict(rewritten)
        assert stock is not None and our_verdict(rewritten) == stock


def test_an_element_inside_the_signature_value_is_refused_by_both(messages):
    data = messages["ours"]
    for inserted in (b"<x/>", b"<edXML:ContentTransferEncoded>" + b"QUJD" * 1100 + b"</edXML:ContentTransferEncoded>"):
        altered = data.replace(b"</ds:SignatureValue>", inserted + b"</ds:SignatureValue>", 1)
        assert altered != data
        assert stock_verdict(altered) is None and our_verdict(altered) is None


def test_a_signature_from_another_key_is_refused_by_both(messages, quang_ninh):
    # The certificate says Quảng Ninh; the signature was made with Nghệ An's key.
    data = messages["ours"]
    theirs = signing.sign(edxml.to_bytes(_message()), quang_ninh.key, quang_ninh.cert)
    their_cert = re.search(rb"<ds:X509Certificate>.*?</ds:X509Certificate>", theirs, re.S).group(0)
    swapped = re.sub(rb"<ds:X509Certificate>.*?</ds:X509Certificate>", lambda m: their_cert, data, flags=re.S)
    assert swapped != data
    assert stock_verdict(swapped) is None and our_verdict(swapped) is None


def test_a_text_longer_than_the_parser_takes_is_refused_by_both(nghe_an):
    # An extra ContentTransferEncoded past libxml2's 10,000,000-character text limit, signed
    # (a parser allowing huge trees can build it): the verifier must not cut it out and so
    # accept what no parser without huge_tree reads, and signing such bytes is refused too.
    unsigned = edxml.to_bytes(_message()).replace(
        b"</edXML:edXMLBody>", b"<edXML:ContentTransferEncoded>" + b"QUJD" * 2_500_001
        + b"</edXML:ContentTransferEncoded></edXML:edXMLBody>")
    huge = etree.fromstring(unsigned, etree.XMLParser(huge_tree=True))
    data = edxml.to_bytes(signing.sign_tree(huge, nghe_an.key, nghe_an.cert))
    assert stock_verdict(data) is None and our_verdict(data) is None
    for refused in (lambda: signing.verify(data), lambda: signing.sign(unsigned, nghe_an.key, nghe_an.cert)):
        with pytest.raises(ExchangeError) as exc:
            refused()
        assert exc.value.reason_code == "too_large"
