"""XMLDSig signing and verification of edXML messages (enveloped, RSA, exclusive c14n, via signxml)."""

import copy
import hashlib
import re
import threading
from dataclasses import dataclass, field
from functools import lru_cache
from typing import NamedTuple

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.hashes import Hash
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from lxml import etree
from signxml import SignatureConfiguration, SignatureReference, XMLSigner, XMLVerifier
from signxml import exceptions as sx_exc
from signxml.algorithms import CanonicalizationMethod, DigestAlgorithm, SignatureConstructionMethod, SignatureMethod
from signxml.algorithms import digest_algorithm_implementations
from signxml.util import _remove_sig
from signxml.util import namespaces as sx_namespaces
from signxml.util import strip_pem_header

from . import c14n, edxml
from .errors import MALFORMED, TAMPERED, WEAK_ALGORITHM, WRAPPING, ExchangeError
from .signed_data import SignedData, received_form

DS = edxml.DS_NS
ENVELOPED = SignatureConstructionMethod.enveloped.value

# Signature methods accepted without remark; RSA only, because agency certificates are RSA
# and accepting HMAC or key-only signatures would open key-confusion attacks.
STRONG_SIGNATURE_METHODS = {
    SignatureMethod.RSA_SHA256: "rsa-sha256",
    SignatureMethod.RSA_SHA384: "rsa-sha384",
    SignatureMethod.RSA_SHA512: "rsa-sha512",
}
WEAK_SIGNATURE_METHODS = {SignatureMethod.RSA_SHA1: "rsa-sha1"}
STRONG_DIGESTS = {DigestAlgorithm.SHA256: "sha256", DigestAlgorithm.SHA384: "sha384", DigestAlgorithm.SHA512: "sha512"}
WEAK_DIGESTS = {DigestAlgorithm.SHA1: "sha1"}
C14N_METHODS = {m.value for m in CanonicalizationMethod}
ALLOWED_TRANSFORMS = C14N_METHODS | {ENVELOPED}

# Elements that must appear at most once, each as a child of the one named (the root is
# edXML); a second copy anywhere in the document is the signature of a wrapping attempt.
_SINGLETONS = {
    "edXMLEnvelope": "edXML",
    "edXMLHeader": "edXMLEnvelope",
    "MessageHeader": "edXMLHeader",
    "Status": "edXMLHeader",
    "TraceHeaderList": "edXMLHeader",
    "edXMLBody": "edXMLEnvelope",
    "edXMLManifest": "edXMLBody",
    "AttachmentEncoded": "edXML",
}


_DS = f"{{{DS}}}"
_DS_SIGNATURE = _DS + "Signature"
# What check_structure looks at, by local name in any namespace (half the names to match on
# each node that listing the namespaces takes): signatures, and the singletons.
_STRUCTURE_TAGS = tuple("{*}" + name for name in ("Signature", *_SINGLETONS))
# Tag of a singleton, without namespace or in edXML's -> its name (other namespaces are not edXML's).
_NAMES = {tag: name for name in _SINGLETONS for tag in (edxml.q(name), name)}


class SignatureRefused(ExchangeError):
    """Signature verification failed; `reason_code` is one of tampered, wrapping, weak_algorithm, malformed."""


@dataclass(frozen=True)
class VerifiedMessage:
    """What a valid signature covers: `signed`, the canonical bytes that were digested, parsed
    (signed_data.SignedData), the Signature removed. Nothing is read from the received tree
    unless its bytes are shown to be those canonical bytes (signed_data.received_form)."""

    signed: SignedData = field(repr=False)
    certificate: x509.Certificate
    algorithm: str
    digest_algorithm: str
    weak: bool
    weaknesses: tuple = ()
    chain: tuple = field(default=(), repr=False)

    @property
    def tree(self):
        """The signed content as one tree (parsed when first read)."""
        return self.signed.tree

    def read(self, limits=edxml.DEFAULT_LIMITS):
        """The edXML message in the signed content."""
        return self.signed.read(limits)

    @property
    def signer_subject(self):
        return self.certificate.subject.rfc4514_string()


_KEY_CACHE_SIZE = 8
_key_cache = {}  # SHA-256 of (passphrase, PEM) -> private key object
_key_cache_lock = threading.Lock()


def _load_key(key, passphrase=None):
    """A private key object from a key object or PEM (bytes or str).

    Loading a PEM RSA key costs about 0.1 s (cryptography checks the key), so the site, which
    reads the PEM from disk for every message, would spend most of a signature here. Loaded
    keys are kept per process, a handful at most, keyed by a digest of the exact PEM bytes
    and passphrase: a renewed key is different bytes and is loaded afresh.
    """
    if not isinstance(key, (bytes, bytearray, str)):
        return key
    data = key.encode() if isinstance(key, str) else bytes(key)
    pw = passphrase.encode() if isinstance(passphrase, str) else passphrase
    pw = pw or b""
    h = hashlib.sha256(len(pw).to_bytes(4, "big") + pw + data).digest()
    with _key_cache_lock:
        loaded = _key_cache.get(h)
    if loaded is None:
        loaded = serialization.load_pem_private_key(data, password=pw or None)
        with _key_cache_lock:
            if len(_key_cache) >= _KEY_CACHE_SIZE:
                _key_cache.pop(next(iter(_key_cache)))
            _key_cache[h] = loaded
    return loaded


def load_certificates(pem):
    """All certificates of a PEM blob (bytes or str)."""
    data = pem.encode() if isinstance(pem, str) else pem
    return x509.load_pem_x509_certificates(data)


def _load_cert(cert):
    if isinstance(cert, x509.Certificate):
        return cert
    return load_certificates(cert)[0]


def _signature_parent(root):
    return edxml.child(edxml.child(root, "edXMLEnvelope"), "edXMLHeader")


# --------------------------------------------------------------------------- signing


@lru_cache(maxsize=64)
def _certificate_text(cert):
    """The X509Certificate text signxml writes for `cert` (its PEM body, line breaks kept)."""
    return strip_pem_header(cert.public_bytes(serialization.Encoding.PEM))


class _EnvelopedSigner(c14n.FastC14N, XMLSigner):
    """signxml's signer, for a signature over the whole document that the caller places.

    signxml, given a placeholder, serialises and re-parses the whole message twice (one
    copy to hold the signature, one to digest). Here the digest is taken on the caller's
    tree as it is (it holds no Signature yet, which is what the enveloped-signature
    transform gives back to the verifier) and the Signature is built detached; Signer
    appends it as the last child of edXMLHeader afterwards. Everything else (SignedInfo,
    digest, KeyInfo, RSA signature) is signxml's.
    """

    signature_element = None
    splice_tags = c14n.PAYLOAD_TAGS

    def _ds_tag(self, tag):
        # signxml's gives QName(ds, tag) for a namespace map without a default namespace
        # (ours is {"ds": DS}); lxml makes the same element from its Clark name, which
        # costs none of the attribute lookups, a dozen elements per signature.
        if None in self.namespaces:
            return super()._ds_tag(tag)
        return _DS + tag

    def _add_key_info(self, sig_root, signing_settings):
        # signxml's KeyInfo for a certificate chain (no KeyName, no KeyValue), with each
        # certificate's text made once per process rather than once per signature.
        chain = signing_settings.cert_chain
        if (
            signing_settings.key_info is not None
            or signing_settings.key_name is not None
            or signing_settings.always_add_key_value
            or not chain
            or not all(isinstance(c, x509.Certificate) for c in chain)
        ):
            return super()._add_key_info(sig_root, signing_settings=signing_settings)
        key_info = etree.SubElement(sig_root, self._ds_tag("KeyInfo"))
        x509_data = etree.SubElement(key_info, self._ds_tag("X509Data"))
        for cert in chain:
            etree.SubElement(x509_data, self._ds_tag("X509Certificate")).text = _certificate_text(cert)

    def _unpack(self, data, references):
        if references is not None or self.construction_method != SignatureConstructionMethod.enveloped:
            raise sx_exc.InvalidInput("only an enveloped signature over the whole document is supported")
        sig_root = etree.Element(self._ds_tag("Signature"), nsmap=self.namespaces)
        self.signature_element = sig_root
        return sig_root, data, [data], [SignatureReference(URI="")]


class Signer:
    """Signs edXML with one RSA key and its certificate, loaded once.

    Holds no parse state, so one Signer may serve several threads.
    """

    def __init__(self, key, cert, *, passphrase=None, limits=edxml.DEFAULT_LIMITS):
        self.key = _load_key(key, passphrase)
        self.certificate = _load_cert(cert)
        self.limits = limits
        if not isinstance(self.key, rsa.RSAPrivateKey):
            raise ValueError("the signing key must be an RSA private key")
        if self.key.public_key() != self.certificate.public_key():
            raise ValueError("the signing key does not belong to the certificate")

    def _sign(self, root, consume, cut_texts=()):
        edxml.validate(root, self.limits)
        if next(root.iter(_DS_SIGNATURE), None) is not None:
            raise edxml.EdxmlError("message is already signed")
        signer = _EnvelopedSigner(
            method=SignatureConstructionMethod.enveloped,
            signature_algorithm=SignatureMethod.RSA_SHA256,
            digest_algorithm=DigestAlgorithm.SHA256,
            c14n_algorithm=CanonicalizationMethod.EXCLUSIVE_XML_CANONICALIZATION_1_0,
        )
        signer.consumes_c14n_input = consume
        signer.cut_texts = cut_texts
        # signxml otherwise shares one class-level parser between threads; give this signer
        # its own hardened one.
        signer._parser = edxml.parser()
        signed = signer.sign(root, key=self.key, cert=[self.certificate])
        # Last child of edXMLHeader, as the standard places it.
        _signature_parent(signed).append(signer.signature_element)
        return signed, signer

    def sign_tree(self, root):
        """Sign an edXML tree; returns a new tree whose edXMLHeader ends with the ds:Signature
        (`serialize` writes it as `sign` would).

        The message is validated first: signing a malformed message would only move the
        failure to the receiver. The caller's tree stays untouched.
        """
        return self._sign(copy.deepcopy(root), consume=False)[0]

    def sign(self, data):
        """Sign edXML bytes, or a tree (left untouched; saves serialising and parsing it); returns
        the signed message, written in its canonical form (see serialize)."""
        if not isinstance(data, (bytes, bytearray, str)):
            return self._sign_consumed(copy.deepcopy(data), ())
        data = data.encode("utf-8") if isinstance(data, str) else bytes(data)
        # What is cut out goes out unparsed: base64 only.
        return c14n.on_parsed(data, self.limits, self._sign_consumed, base64_only=True)

    def _sign_consumed(self, root, cut_texts, parsed=None):
        signed, signer = self._sign(root, consume=True, cut_texts=cut_texts)
        # The long texts are still markers in the tree (see archive.exchange.c14n); c14n
        # writes a text without &, <, > or CR as its UTF-8 bytes, so they go back in the same way.
        out = serialize(signed)
        if signer.spliced:
            out = c14n.splice(out, signer.spliced)
            if out is None:
                signer.restore_texts()
                out = serialize(signed)
        return c14n.with_texts(out, cut_texts)


# A signed message is written as an XML declaration and the canonical form of the signed
# document (the exclusive c14n its Reference names). Receivers digest the same bytes, and a
# receiver that sees its canonical form is the message itself reads the tree it parsed instead
# of parsing the canonical form again (signed_data.received_form); the message means the same.
_XML_DECLARATION = b"<?xml version='1.0' encoding='UTF-8'?>\n"


def serialize(signed_root):
    """A signed message tree (sign_tree's) as Signer.sign writes it: its canonical form, declared."""
    return _XML_DECLARATION + etree.tostring(signed_root, method="c14n", exclusive=True, with_comments=False)


def sign_tree(root, key, cert, *, passphrase=None, limits=edxml.DEFAULT_LIMITS):
    """Sign an edXML tree; returns a new tree whose edXMLHeader ends with the ds:Signature."""
    return Signer(key, cert, passphrase=passphrase, limits=limits).sign_tree(root)


def sign(data, key, cert, *, passphrase=None, limits=edxml.DEFAULT_LIMITS):
    """Sign edXML bytes with an RSA key (PEM or key object) and its certificate; returns signed bytes.

    To sign many messages with the same key, make one Signer and call its sign().
    """
    return Signer(key, cert, passphrase=passphrase, limits=limits).sign(data)


def _refuse(reason, message):
    raise SignatureRefused(message, reason_code=reason)


def check_structure(root):
    """Refuse duplicated or displaced header/body parts and stray signatures (wrapping attacks).

    Returns the single ds:Signature element, which must be a child of edXMLHeader.
    """
    if root.tag != edxml.q("edXML"):
        _refuse(MALFORMED, f"root element must be {{{edxml.NS}}}edXML")
    seen = {"edXML": root}
    signatures = []
    for el in root.iter(*_STRUCTURE_TAGS):  # document order: a parent comes before its children
        name = _NAMES.get(el.tag)
        if name is None:
            if el.tag == _DS_SIGNATURE:
                signatures.append(el)
            continue  # the name in another namespace
        # The parent must be the one accepted before (lxml gives one proxy per element).
        if name in seen or el.getparent() is not seen.get(_SINGLETONS[name]):
            _refuse(WRAPPING, f"{name}: duplicated or out of place (possible signature wrapping)")
        seen[name] = el
    if "MessageHeader" in seen and "Status" in seen:
        _refuse(WRAPPING, "edXMLHeader: holds both MessageHeader and Status")
    if not signatures:
        _refuse(MALFORMED, "edXMLHeader/Signature: message is not signed")
    if len(signatures) > 1:
        _refuse(WRAPPING, f"Signature: {len(signatures)} signatures found, expected one")
    sig = signatures[0]
    if sig.getparent() is None or sig.getparent() is not seen.get("edXMLHeader"):
        _refuse(WRAPPING, "Signature: must be a child of edXMLHeader")
    return sig


def _child(el, name):
    """First ds:`name` child of `el`, or None (what el.find("ds:name") gives, without ElementPath)."""
    return next(el.iterchildren(_DS + name), None) if el is not None else None


# Algorithm URI -> (signxml's name for it, ours, weak?)
_SIGNATURE_METHOD_URIS = {
    **{m.value: (m, name, False) for m, name in STRONG_SIGNATURE_METHODS.items()},
    **{m.value: (m, name, True) for m, name in WEAK_SIGNATURE_METHODS.items()},
}
_DIGEST_URIS = {
    **{d.value: (d, name, False) for d, name in STRONG_DIGESTS.items()},
    **{d.value: (d, name, True) for d, name in WEAK_DIGESTS.items()},
}


# The content of the Signature elements accepted here, as XML Signature's schema orders it
# (local names in the ds namespace; "?" stands for anything else).
_SHAPES = {
    "Signature": re.compile(r"SignedInfo SignatureValue( KeyInfo)?( Object)*"),
    "SignedInfo": re.compile(r"CanonicalizationMethod SignatureMethod Reference"),
    "Reference": re.compile(r"(Transforms )?DigestMethod DigestValue"),
    "Transforms": re.compile(r"Transform( Transform)*"),
}


_DS_NAMES = {_DS + name: name for shape in _SHAPES.values() for name in re.findall(r"[A-Za-z]+", shape.pattern)}


# The shapes signers write, as tuples of tags: recognised by one lookup (the pattern decides the rest).
_USUAL_SHAPES = {
    name: frozenset(tuple(_DS + n for n in names.split()) for names in usual)
    for name, usual in {
        "Signature": ("SignedInfo SignatureValue", "SignedInfo SignatureValue KeyInfo"),
        "SignedInfo": ("CanonicalizationMethod SignatureMethod Reference",),
        "Reference": ("Transforms DigestMethod DigestValue", "DigestMethod DigestValue"),
        "Transforms": ("Transform", "Transform Transform"),
    }.items()
}


def _children_as_shaped(el, name):
    """The element children of `el` (a ds:`name`), refused unless they are in the schema's order
    with nothing but white space between them (the schema allows no text there)."""
    nodes = list(el)  # comments and PIs too: their tags are not strings, never a usual shape
    children = nodes
    if tuple([c.tag for c in nodes]) not in _USUAL_SHAPES[name]:
        children = list(el.iterchildren(etree.Element))
        names = " ".join([_DS_NAMES.get(c.tag, "?") for c in children])
        if _SHAPES[name].fullmatch(names) is None:
            _refuse(MALFORMED, f"Signature/{name}: holds ({names}), expected ({_SHAPES[name].pattern})")
    texts = [el.text, *[c.tail for c in nodes]]
    # XML's white space only (str.isspace would let a no-break space through); signxml writes none.
    if any(texts) and any(text and text.strip(" \t\r\n") for text in texts):
        _refuse(MALFORMED, f"Signature/{name}: holds text between its elements")
    return children


def _signature_parts(sig):
    """The Signature's SignedInfo and SignatureValue, refused unless its children are the schema's."""
    signed_info, signature_value, *_ = _children_as_shaped(sig, "Signature")
    if len(signature_value):  # the schema's base64Binary: text only
        _refuse(MALFORMED, "Signature/SignatureValue: holds elements, expected base64 text only")
    return signed_info, signature_value


class _Policy(NamedTuple):
    """What _check_signed_info accepted."""

    method: SignatureMethod
    digest: DigestAlgorithm
    names: tuple  # (signature method, digest) as the audit entry names them
    weaknesses: tuple
    digest_value: str
    enveloped: bool  # the Reference's transforms remove the Signature
    c14n_algorithm: str | None  # the Reference's canonicalisation; None: signxml's default
    c14n_prefixes: list | None  # its InclusiveNamespaces PrefixList


def _check_signed_info(si, allow_sha1):
    """Check a SignedInfo's shape, algorithms and reference; returns a _Policy.

    The verifier gives it the canonical form the SignatureValue covers, parsed, so that what
    it accepts here is what was signed (the usual forms are read from those bytes without a
    parse, _usual_signed_info). The shape is what XML Signature's schema allows, narrowed to
    one reference to the whole document (signxml checks the schema itself, about 7 % of a
    verification).
    """
    refs = list(si.iterchildren(_DS + "Reference"))
    if len(refs) != 1:
        _refuse(WRAPPING, f"SignedInfo/Reference: {len(refs)} references, expected exactly one")
    cm, sm, ref = _children_as_shaped(si, "SignedInfo")
    *transforms, dm, dv = _children_as_shaped(ref, "Reference")
    if len(dv):  # the schema's base64Binary: text only
        _refuse(MALFORMED, "Reference/DigestValue: holds elements, expected base64 text only")
    transforms = _children_as_shaped(transforms[0], "Transforms") if transforms else ()
    c14n_transforms = [t for t in transforms if t.get("Algorithm") != ENVELOPED]
    return _policy(
        sm.get("Algorithm"), cm.get("Algorithm"), ref.get("URI"), [t.get("Algorithm") for t in transforms],
        dm.get("Algorithm"), dv.text, _inclusive_prefixes(c14n_transforms[0]) if c14n_transforms else None, allow_sha1,
    )


def _policy(signature_method, c14n_method, uri, transforms, digest_method, digest_value, prefixes, allow_sha1):
    """The _Policy of a SignedInfo naming these algorithms (URIs) and Reference URI, or a refusal."""
    if signature_method not in _SIGNATURE_METHOD_URIS:
        _refuse(MALFORMED, f"SignedInfo/SignatureMethod: unsupported algorithm {signature_method!r}")
    method, method_name, weak_method = _SIGNATURE_METHOD_URIS[signature_method]
    if c14n_method not in C14N_METHODS:
        _refuse(MALFORMED, f"SignedInfo/CanonicalizationMethod: unsupported algorithm {c14n_method!r}")
    # Only URI="" (the whole document) is accepted: a fragment reference leaves the rest
    # of the document unsigned, which is what wrapping attacks exploit.
    if uri != "":
        _refuse(WRAPPING, f"Reference/@URI: {uri!r}; only the whole document (URI=\"\") may be signed")
    for index, transform in enumerate(transforms):
        if transform not in ALLOWED_TRANSFORMS:
            _refuse(MALFORMED, f"Reference/Transforms: transform {transform!r} not allowed")
        # Transforms apply in order, and the enveloped-signature one needs the document, not
        # the octets a canonicalisation gives: it comes first (xmlsec1 says the same).
        if index and transform == ENVELOPED:
            _refuse(MALFORMED, "Reference/Transforms: the enveloped-signature transform must come first")
    c14n_transforms = [t for t in transforms if t != ENVELOPED]
    if len(c14n_transforms) > 1:
        _refuse(MALFORMED, "Reference/Transforms: only the enveloped-signature transform and one canonicalisation")
    if digest_method not in _DIGEST_URIS:
        _refuse(MALFORMED, f"Reference/DigestMethod: unsupported algorithm {digest_method!r}")
    digest, digest_name, weak_digest = _DIGEST_URIS[digest_method]
    weaknesses = (f"signature method {method_name}",) * weak_method + (f"digest {digest_name}",) * weak_digest
    if weaknesses and not allow_sha1:
        _refuse(WEAK_ALGORITHM, "SHA-1 refused (" + ", ".join(weaknesses) + "); pass allow_sha1=True to accept it")
    return _Policy(
        method, digest, (method_name, digest_name), weaknesses, digest_value,
        enveloped=len(c14n_transforms) < len(transforms),
        c14n_algorithm=c14n_transforms[0] if c14n_transforms else None,
        c14n_prefixes=prefixes,
    )


_WS = rb"[ \t\n]*"  # white space as c14n writes it (a CR becomes &#xD;)
# The canonical SignedInfo of the usual signatures (signxml's and xmlsec1's templates): the
# schema's order, one Reference to the whole document, no attribute but those named, no
# element but these, white space only between them. The prefix is the one SignedInfo has,
# bound to XML Signature's namespace (its children declare none of their own).
_USUAL_SIGNED_INFO = re.compile(
    rb'<(?P<p>(?:[A-Za-z_][\w.-]*:)?)SignedInfo(?: xmlns(?::[A-Za-z_][\w.-]*)?="[^"&<]*")*>' + _WS
    + rb'<(?P=p)CanonicalizationMethod Algorithm="(?P<cm>[^"]*)"></(?P=p)CanonicalizationMethod>' + _WS
    + rb'<(?P=p)SignatureMethod Algorithm="(?P<sm>[^"]*)"></(?P=p)SignatureMethod>' + _WS
    + rb'<(?P=p)Reference URI="">' + _WS
    + rb'(?:<(?P=p)Transforms>' + _WS
    + rb'<(?P=p)Transform Algorithm="(?P<t1>[^"]*)"></(?P=p)Transform>' + _WS
    + rb'(?:<(?P=p)Transform Algorithm="(?P<t2>[^"]*)"></(?P=p)Transform>' + _WS + rb")?"
    + rb"</(?P=p)Transforms>" + _WS + rb")?"
    + rb'<(?P=p)DigestMethod Algorithm="(?P<dm>[^"]*)"></(?P=p)DigestMethod>' + _WS
    + rb"<(?P=p)DigestValue>(?P<dv>[A-Za-z0-9+/=\s]+)</(?P=p)DigestValue>" + _WS
    + rb"</(?P=p)Reference>" + _WS + rb"</(?P=p)SignedInfo>"
)


_USUAL_SIGNED_INFO_BYTES = 65536  # some 700 bytes are usual


def _usual_signed_info(canonical, allow_sha1):
    """_check_signed_info's _Policy for a canonical SignedInfo of the usual form it accepts,
    read straight from the bytes the signature covers; None for any other (the parsed tree
    then decides, and words the refusal)."""
    # libxml2 refuses texts over 10 MB: the parser is the judge of anything that big.
    if len(canonical) > _USUAL_SIGNED_INFO_BYTES:
        return None
    # One signer's SignedInfos differ in their DigestValue only: one read before, the same
    # bytes around another value of the pattern's characters, gives the same reading.
    end = canonical.rfind(b"</", 0, canonical.rfind(b"</", 0, canonical.rfind(b"</")))
    start = canonical.rfind(b">", 0, end) + 1
    key = (canonical[:start], canonical[end:], allow_sha1)
    value = canonical[start:end]
    known = _usual_policies.get(key)
    if known is not None and value and not value.translate(None, _DIGEST_VALUE_BYTES):
        return known._replace(digest_value=value.decode())
    policy = _read_usual_signed_info(canonical, allow_sha1)
    # The pattern ends with DigestValue's, Reference's and SignedInfo's end tags, white space
    # between them: where it matched, `start:end` is the DigestValue it read.
    if policy is not None:
        if len(_usual_policies) >= _USUAL_POLICIES_KEPT:
            _usual_policies.clear()
        _usual_policies[key] = policy
    return policy


_usual_policies = {}  # (SignedInfo before its DigestValue, after it, allow_sha1) -> _Policy
_USUAL_POLICIES_KEPT = 64
_DIGEST_VALUE_BYTES = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/= \t\n\r\f\v"  # the pattern's dv


def _read_usual_signed_info(canonical, allow_sha1):
    """_usual_signed_info's reading by the pattern, for bytes not read before."""
    # libxml2 writes namespace URIs unescaped (the pattern takes none with "&" or "<"): the
    # parser is the judge of anything that could be one.
    match = _USUAL_SIGNED_INFO.fullmatch(canonical)
    if match is None:
        return None
    cm, sm, t1, t2, dm, dv = (v.decode() if v is not None else None for v in match.group(*"cm sm t1 t2 dm dv".split()))
    try:
        return _policy(sm, cm, "", [t for t in (t1, t2) if t is not None], dm, dv, None, allow_sha1)
    except SignatureRefused:
        return None


@lru_cache(maxsize=256)
def _read_certificate(text):
    """The certificate of one X509Certificate text, read once per process.

    Keyed by the exact text, so a changed certificate is read afresh; unreadable ones are
    not remembered (the exception propagates).
    """
    pem = "-----BEGIN CERTIFICATE-----\n" + "".join(text.split()) + "\n-----END CERTIFICATE-----\n"
    cert = x509.load_pem_x509_certificate(pem.encode("ascii"))
    # cryptography parses fields lazily; read them now so a broken certificate is
    # refused here and not as a stray exception in a later check.
    _ = (cert.version, cert.subject.rfc4514_string(), cert.issuer.rfc4514_string(), cert.extensions)
    _ = (cert.not_valid_before_utc, cert.not_valid_after_utc, cert.public_key())
    return cert


def _embedded_certificates(sig):
    texts = [
        cert
        for key_info in sig.iterchildren(_DS + "KeyInfo")
        for data in key_info.iterchildren(_DS + "X509Data")
        for cert in data.iterchildren(_DS + "X509Certificate")
    ]
    if not texts:
        _refuse(MALFORMED, "Signature/KeyInfo/X509Data/X509Certificate: missing")
    certs = []
    for t in texts:
        try:
            certs.append(_read_certificate(t.text or ""))
        except Exception as exc:  # noqa: BLE001 (unsigned input: whatever cryptography raises reading it)
            _refuse(MALFORMED, f"Signature/KeyInfo/X509Data/X509Certificate: unreadable certificate "
                               f"({type(exc).__name__}: {exc})")
    return certs


_EC_INCLUSIVE_NAMESPACES = f"{{{sx_namespaces['ec']}}}InclusiveNamespaces"
# What signxml canonicalises a reference with when it names no canonicalisation transform.
_DEFAULT_REFERENCE_C14N = SignatureConfiguration().default_reference_c14n_method.value
# Canonicalisation URI -> (exclusive, with comments), as signxml's _c14n reads it.
_C14N_FLAGS = {
    uri: (uri.startswith("http://www.w3.org/2001/10/xml-exc-c14n#"), uri.endswith("#WithComments"))
    for uri in C14N_METHODS
}


def _canonical(node, algorithm, inclusive_ns_prefixes=None):
    """signxml's _c14n of one node with the canonicalisation named by URI (signxml's verifier
    keeps xmlns="" in inclusive forms, as the standard does)."""
    exclusive, with_comments = _C14N_FLAGS[algorithm]
    return etree.tostring(
        node, method="c14n", exclusive=exclusive, with_comments=with_comments,
        inclusive_ns_prefixes=inclusive_ns_prefixes,
    )


def _inclusive_prefixes(transform_node):
    # signxml's _get_inclusive_ns_prefixes: the PrefixList of the first ec:InclusiveNamespaces
    # child that has one, found without ElementPath and its namespace map.
    for el in transform_node.iterchildren(_EC_INCLUSIVE_NAMESPACES):
        prefixes = el.get("PrefixList")
        if prefixes is not None:
            return prefixes.split(" ")
    return None


class _DocumentVerifier(XMLVerifier):
    """signxml's verification steps for the one signature of an edXML document, without its copies.

    signxml's verify() parses the message again, copies the Signature (serialise and
    re-parse), then copies the whole document once more per reference, twice over; with a
    100 KB attachment the copies cost more than the digest and the RSA check together. The
    signatures accepted here are narrower than signxml's (one reference, to the whole
    document, enveloped, RSA with the certificate carried in KeyInfo: _check_signed_info
    refuses anything else), so the verifier runs signxml's steps for that case only, in its
    order, on the document verify() parsed for this call:

    1. SignedInfo is canonicalised where it stands (canonical_signed_info) and those bytes,
       parsed, are what _check_signed_info reads: algorithms, reference, digest value;
    2. verify_document checks the SignatureValue over those bytes with the certificate's RSA
       key (what signxml's _verify_signature_with_pubkey does for RSA), so everything read in
       1 was signed;
    3. the Signature is removed (the enveloped-signature transform), the document
       canonicalised as the reference says (signxml's _c14n, _canonical here), and its
       digest compared;
    4. the signed data is the canonical bytes that were digested, parsed (as signxml returns
       it); when the received bytes are those bytes (signed_data.received_form), the tree
       already parsed from them is that parse.

    The document may be the received one with its long texts cut out (c14n.parse_without_long_texts):
    their bytes then take the place of their markers in the canonical form, so what is
    digested in 3 is the canonical form of the received document; in 4 the texts, when
    they are strict base64, are decoded beside the rest parsed (signed_data.SignedData).

    signxml's first step, checking the Signature against the XML Signature schema, is
    _signature_parts' and _check_signed_info's shape checks here: the schema's order for the elements accepted,
    at a tenth of the cost (the schema check took 7 % of a verification). It also accepts
    ec:InclusiveNamespaces, which xmlsec1 writes and signxml's schema lacks.

    Tests compare the verdicts and the signed data with stock signxml's verify() on signed,
    tampered and xmlsec1-signed messages.
    """

    def _get_inclusive_ns_prefixes(self, transform_node):
        return _inclusive_prefixes(transform_node)

    def canonical_signed_info(self, signed_info):
        """SignedInfo's canonical form, or None if its CanonicalizationMethod names no
        canonicalisation accepted here."""
        c14n_method = _child(signed_info, "CanonicalizationMethod")
        algorithm = c14n_method.get("Algorithm") if c14n_method is not None else None
        if algorithm not in C14N_METHODS:
            return None
        return _canonical(signed_info, algorithm, self._get_inclusive_ns_prefixes(c14n_method))

    def verify_document(self, root, signature, signature_value, signed_info_c14n, policy, certificate,
                        texts=(), received=None):
        """Verify `signature` (the only one in `root`) with `certificate`'s key; returns the SignedData.

        `signature_value` is its SignatureValue element, `signed_info_c14n` the canonical
        SignedInfo and `policy` what _check_signed_info accepted in it. `texts` are c14n.CutText
        for the long texts cut out of `root`, `received` the bytes `root` was parsed from.
        Consumes `root`. Raises signxml's exceptions, and c14n.CutTextsMissing if a marker is
        not in the canonical form exactly once.
        """
        key = certificate.public_key()
        if not isinstance(key, rsa.RSAPublicKey):  # every method accepted is RSA's
            raise sx_exc.InvalidInput("the certificate's key does not match the RSA signature method")
        try:
            key.verify(
                edxml.decode_base64(signature_value.text, element="Signature/SignatureValue"),
                signed_info_c14n,
                padding.PKCS1v15(),
                digest_algorithm_implementations[policy.method](),
            )
        except InvalidSignature as exc:
            raise sx_exc.InvalidSignature(f"Signature verification failed: {exc}") from None
        # From here on, only what the signature covers: the policy was read from those bytes.
        prefix = signature.prefix
        if policy.enveloped:
            _remove_sig(signature, idempotent=True)
        algorithm = policy.c14n_algorithm or _DEFAULT_REFERENCE_C14N
        skeleton = _canonical(root, algorithm, policy.c14n_prefixes)
        parts = c14n.parts_with_texts(skeleton, texts)  # the canonical form, in pieces
        if edxml.decode_base64(policy.digest_value, element="Reference/DigestValue") != _digest(parts, policy.digest):
            raise sx_exc.InvalidDigest("Digest mismatch for the reference to the whole document")
        # Only the signed data: the canonical bytes, parsed (no comments, no split text), or
        # the tree that parsing them gives, when the received bytes are those (a message written as Signer does).
        if policy.enveloped and received is not None and received_form(received, skeleton, prefix):
            signed = SignedData.from_received(root, parts, texts)
            if signed is not None:
                return signed
        try:
            return SignedData.parse(skeleton, parts, texts)
        except etree.XMLSyntaxError:
            return None


def _digest(parts, digest_algorithm):
    # signxml's _get_digest, over the pieces of the canonical form rather than their join.
    hasher = Hash(digest_algorithm_implementations[digest_algorithm]())
    for part in parts:
        hasher.update(part)
    return hasher.finalize()


def verify(data, *, allow_sha1=False, limits=edxml.DEFAULT_LIMITS):
    """Verify the enveloped signature of edXML bytes; returns a VerifiedMessage.

    Trust in the signer is NOT decided here (see trust.py): this only proves that the
    embedded certificate's key signed the returned tree. SHA-1 is refused unless
    `allow_sha1`, and then reported in `weak` / `weaknesses` for auditing.
    """
    if isinstance(data, str):
        data = data.encode("utf-8")
    # Each attempt parses a tree of its own and consumes it.
    return c14n.on_parsed(
        bytes(data), limits, lambda root, texts, parsed: _verify_tree(root, texts, parsed, allow_sha1)
    )


def _verify_tree(root, texts, parsed, allow_sha1):
    sig = check_structure(root)
    signed_info, signature_value = _signature_parts(sig)
    verifier = _DocumentVerifier()
    verifier._parser = edxml.parser()  # signxml's parser for what it parses (SignedInfo, signed data)
    try:
        signed_info_c14n = verifier.canonical_signed_info(signed_info)
        if signed_info_c14n is None:  # not canonicalisable: the check says why
            _check_signed_info(signed_info, allow_sha1)
            _refuse(MALFORMED, "Signature/SignedInfo: no canonicalisation")
        policy = _usual_signed_info(signed_info_c14n, allow_sha1) or _check_signed_info(
            verifier._fromstring(signed_info_c14n), allow_sha1
        )
        certs = _embedded_certificates(sig)
        signed = verifier.verify_document(
            root, sig, signature_value, signed_info_c14n, policy, certs[0], texts, received=parsed
        )
    except sx_exc.InvalidDigest as exc:
        _refuse(TAMPERED, f"signed content was altered: {exc}")
    except sx_exc.InvalidSignature as exc:
        _refuse(TAMPERED, f"signature value does not match: {exc}")
    except (
        sx_exc.InvalidInput,
        UnsupportedAlgorithm,  # a certificate whose key type cryptography does not know
        ValueError,
        TypeError,
        etree.LxmlError,
    ) as exc:
        _refuse(MALFORMED, f"signature could not be processed: {exc}")
    if signed is None:
        _refuse(MALFORMED, "signed content is not XML")
    return VerifiedMessage(
        signed=signed,
        certificate=certs[0],
        algorithm=policy.names[0],
        digest_algorithm=policy.names[1],
        weak=bool(policy.weaknesses),
        weaknesses=policy.weaknesses,
        chain=tuple(certs),
    )
