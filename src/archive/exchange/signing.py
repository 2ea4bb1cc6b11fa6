"""XMLDSig signing and verification of edXML messages through signxml's public API, with the archive's own checks around it.

Signing: the message is validated, written in its exclusive canonical form (no comments),
parsed again and validated once more, and exactly that tree is signed with
`signxml.XMLSigner.sign` (enveloped, RSA-SHA256, SHA-256, exclusive c14n); the Signature goes
where a placeholder stands, last child of edXMLHeader.

Verification, in order:

1. the hardened parser (edxml.safe_fromstring: no DTD, no entities, size limits, declared
   encodings read here only);
2. nothing but the root element in the document (no PI or comment before or after it: the
   digest of URI="" covers the whole document, so other verifiers refuse or cover them);
3. the structure checks against wrapping (check_structure: one Signature, child of
   edXMLHeader; each header part once, where it belongs);
4. the Signature against a strict subset of XML Signature's schema (check_signature_schema:
   known elements and attributes only, no foreign element, no text where the schema has none,
   absolute namespace URIs);
5. the algorithm policy (read_policy: RSA-SHA256/384/512 and SHA-2 digests; RSA-SHA1 or
   SHA-1 only with `allow_sha1`, reported as a weakness; exclusive c14n without comments,
   inclusive c14n 1.0 only in the legacy mode);
6. `signxml.XMLVerifier.verify` with an `expect_config` pinning those algorithms, one
   reference and the Signature's place, against the certificate the KeyInfo carries (trust in
   it is the trust store's decision, trust.py).

After verification only what signxml returns as signed (`VerifyResult.signed_xml`, the
canonical bytes that were digested, parsed) is read.
"""

import hashlib
import re
import threading
from dataclasses import dataclass, field

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from lxml import etree
from signxml import SignatureConfiguration, XMLSigner, XMLVerifier
from signxml import exceptions as sx_exc
from signxml.algorithms import CanonicalizationMethod, DigestAlgorithm, SignatureConstructionMethod, SignatureMethod

from . import edxml
from .errors import MALFORMED, TAMPERED, WEAK_ALGORITHM, WRAPPING, ExchangeError

DS = edxml.DS_NS
ENVELOPED = SignatureConstructionMethod.enveloped.value
EXCLUSIVE_C14N = CanonicalizationMethod.EXCLUSIVE_XML_CANONICALIZATION_1_0.value
INCLUSIVE_C14N = CanonicalizationMethod.CANONICAL_XML_1_0.value

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
# Canonicalisations accepted: exclusive without comments; inclusive 1.0 in the legacy mode
# (for SignedInfo its inherited xml:* attributes are then taken into account, see verify).
C14N_METHODS = {EXCLUSIVE_C14N}
LEGACY_C14N_METHODS = {EXCLUSIVE_C14N, INCLUSIVE_C14N}

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
_STRUCTURE_TAGS = tuple("{*}" + name for name in ("Signature", *_SINGLETONS))
_NAMES = {tag: name for name in _SINGLETONS for tag in (edxml.q(name), name)}
_LOCATION = f"./{{{edxml.NS}}}edXMLEnvelope/{{{edxml.NS}}}edXMLHeader/"


class SignatureRefused(ExchangeError):
    """Signature verification failed; `reason_code` is one of tampered, wrapping, weak_algorithm, malformed."""


@dataclass(frozen=True)
class VerifiedMessage:
    """What a valid signature covers: `tree`, the signed data as signxml returns it (the
    canonical bytes that were digested, `signed_bytes`, parsed), the Signature removed."""

    tree: object = field(repr=False)
    certificate: x509.Certificate
    algorithm: str
    digest_algorithm: str
    weak: bool
    weaknesses: tuple = ()
    chain: tuple = field(default=(), repr=False)
    signed_bytes: bytes = field(default=b"", repr=False)

    def read(self, limits=edxml.DEFAULT_LIMITS):
        """The edXML message in the signed data."""
        return edxml.read_tree(self.tree, limits)

    @property
    def signer_subject(self):
        return self.certificate.subject.rfc4514_string()


_KEY_CACHE_SIZE = 8
_key_cache = {}  # SHA-256 of (passphrase, PEM) -> private key object
_key_cache_lock = threading.Lock()


def _load_key(key, passphrase=None):
    """A private key object from a key object or PEM (bytes or str).

    Loading a PEM RSA key costs about 0.1 s (cryptography checks the key), and the site reads
    the PEM from disk for every message: loaded keys are kept per process, a handful at most,
    keyed by a digest of the exact PEM bytes and passphrase.
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


def _refuse(reason, message):
    raise SignatureRefused(message, reason_code=reason)


def outside_root(root):
    """The nodes (PIs, comments) of the document beside its root element."""
    return [*root.itersiblings(preceding=True), *root.itersiblings()]


# --------------------------------------------------------------------------- signing


def canonical(root):
    """The exclusive canonical form of a tree, without comments (what the signature covers)."""
    return etree.tostring(root, method="c14n", exclusive=True, with_comments=False)


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

    def to_be_signed(self, root):
        """The tree that will be signed for `root`: its canonical form parsed, validated.

        Refuses what would make the signed data differ from what was checked: nodes beside
        the root element, mixed content in text fields (a comment splitting a text, which
        canonicalisation drops, joining the pieces), a Signature already there.
        """
        if outside_root(root):
            raise edxml.ValidationError("edXML", "nodes outside the root element (processing instructions or "
                                                 "comments) are not signed")
        edxml.validate(root, self.limits)  # refuses mixed content too (edxml.check_text_fields)
        if next(root.iter(_DS_SIGNATURE), None) is not None:
            raise edxml.EdxmlError("message is already signed")
        signed = etree.fromstring(canonical(root), parser=edxml.parser())
        edxml.validate(signed, self.limits)  # what is signed, as every receiver will read it
        return signed

    def sign_tree(self, root):
        """Sign an edXML tree; returns a new tree whose edXMLHeader ends with the ds:Signature
        (`serialize` writes it as `sign` does). The caller's tree stays untouched."""
        doc = self.to_be_signed(root)
        _signature_parent(doc).append(etree.Element(_DS_SIGNATURE, Id="placeholder", nsmap={"ds": DS}))
        signer = XMLSigner(
            method=SignatureConstructionMethod.enveloped,
            signature_algorithm=SignatureMethod.RSA_SHA256,
            digest_algorithm=DigestAlgorithm.SHA256,
            c14n_algorithm=CanonicalizationMethod.EXCLUSIVE_XML_CANONICALIZATION_1_0,
        )
        return signer.sign(doc, key=self.key, cert=[self.certificate])

    def sign(self, data):
        """Sign edXML bytes, or a tree (left untouched); returns the signed message (see serialize)."""
        if isinstance(data, (bytes, bytearray, str)):
            data = edxml.safe_fromstring(data, self.limits)
        return serialize(self.sign_tree(data))


# A signed message is written as an XML declaration and the canonical form of the signed
# document (the exclusive c14n its Reference names): what a receiver digests is what it reads.
_XML_DECLARATION = b"<?xml version='1.0' encoding='UTF-8'?>\n"


def serialize(signed_root):
    """A signed message tree (sign_tree's) as Signer.sign writes it: its canonical form, declared."""
    return _XML_DECLARATION + canonical(signed_root)


def sign_tree(root, key, cert, *, passphrase=None, limits=edxml.DEFAULT_LIMITS):
    """Sign an edXML tree; returns a new tree whose edXMLHeader ends with the ds:Signature."""
    return Signer(key, cert, passphrase=passphrase, limits=limits).sign_tree(root)


def sign(data, key, cert, *, passphrase=None, limits=edxml.DEFAULT_LIMITS):
    """Sign edXML bytes with an RSA key (PEM or key object) and its certificate; returns signed bytes.

    To sign many messages with the same key, make one Signer and call its sign().
    """
    return Signer(key, cert, passphrase=passphrase, limits=limits).sign(data)


# --------------------------------------------------------------------------- checks before signxml


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


# The Signature elements accepted: XML Signature's schema narrowed to what an enveloped RSA
# signature over the whole document with an X.509 certificate needs. name -> (attributes,
# content pattern over the children's names, text content: None for none, "base64").
# ec:InclusiveNamespaces is not among them: signxml's schema refuses it too.
_B64 = "base64"
_SCHEMA = {
    "Signature": ({"Id"}, r"SignedInfo SignatureValue( KeyInfo)?", None),
    "SignedInfo": ({"Id"}, r"CanonicalizationMethod SignatureMethod Reference", None),
    "CanonicalizationMethod": ({"Algorithm"}, r"", None),
    "SignatureMethod": ({"Algorithm"}, r"", None),
    "Reference": ({"Id", "URI", "Type"}, r"(Transforms )?DigestMethod DigestValue", None),
    "Transforms": (set(), r"Transform( Transform)*", None),
    "Transform": ({"Algorithm"}, r"", None),
    "DigestMethod": ({"Algorithm"}, r"", None),
    "DigestValue": (set(), r"", _B64),
    "SignatureValue": ({"Id"}, r"", _B64),
    "KeyInfo": ({"Id"}, r"X509Data( X509Data)*", None),
    "X509Data": (set(), r"X509Certificate( X509Certificate)*", None),
    "X509Certificate": (set(), r"", _B64),
}
_SCHEMA_PATTERNS = {name: re.compile(shape) for name, (_, shape, _) in _SCHEMA.items()}
_BASE64_TEXT = re.compile(r"[A-Za-z0-9+/=\s]*")
_ABSOLUTE_URI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")


def _schema_name(el):
    if not isinstance(el.tag, str):
        return None
    if el.tag.startswith(_DS) and el.tag[len(_DS):] in _SCHEMA:
        return el.tag[len(_DS):]
    return None


def check_signature_schema(sig):
    """Refuse a Signature with anything outside _SCHEMA: unknown or foreign elements, unknown
    attributes, comments or PIs, text where the schema has none (or non-base64 where it has
    base64), relative namespace URIs in scope."""
    for el in sig.iter():
        name = _schema_name(el)  # each child was checked as its parent was
        attributes, _, text = _SCHEMA[name]
        unknown = sorted(set(el.attrib) - attributes)
        if unknown:
            _refuse(MALFORMED, f"Signature/{name}: attribute {unknown[0]} is outside XML Signature's schema")
        children = list(el)
        for c in children:
            if _schema_name(c) is None:
                what = "a comment or processing instruction" if not isinstance(c.tag, str) else f"element {c.tag}"
                _refuse(MALFORMED, f"Signature/{name}: {what} is outside XML Signature's schema")
        names = " ".join(_schema_name(c) for c in children)
        if _SCHEMA_PATTERNS[name].fullmatch(names) is None:
            _refuse(MALFORMED, f"Signature/{name}: holds ({names}), expected ({_SCHEMA_PATTERNS[name].pattern})")
        texts = [el.text, *(c.tail for c in children)]
        if text is None:
            if any(t and t.strip(" \t\r\n") for t in texts):
                _refuse(MALFORMED, f"Signature/{name}: holds text, which XML Signature's schema does not allow")
        elif not _BASE64_TEXT.fullmatch(el.text or ""):
            _refuse(MALFORMED, f"Signature/{name}: not base64 text")
        for prefix, uri in el.nsmap.items():
            if uri and not _ABSOLUTE_URI.match(uri):
                _refuse(MALFORMED, f"Signature/{name}: namespace {prefix or '(default)'} is the relative URI "
                                   f"{uri!r}, which canonicalisation refuses")


_SIGNATURE_METHOD_URIS = {
    **{m.value: (m, name, False) for m, name in STRONG_SIGNATURE_METHODS.items()},
    **{m.value: (m, name, True) for m, name in WEAK_SIGNATURE_METHODS.items()},
}
_DIGEST_URIS = {
    **{d.value: (d, name, False) for d, name in STRONG_DIGESTS.items()},
    **{d.value: (d, name, True) for d, name in WEAK_DIGESTS.items()},
}


@dataclass(frozen=True)
class Policy:
    """The algorithms of a Signature that read_policy accepted."""

    method: SignatureMethod
    digest: DigestAlgorithm
    names: tuple  # (signature method, digest) as the audit entry names them
    weaknesses: tuple
    c14n: str  # SignedInfo's canonicalisation

    def expect_config(self, certificate):
        """signxml's SignatureConfiguration pinning these algorithms, one reference and the
        Signature's place. The certificate's validity in time is the trust store's decision
        (at the signing time read from the signed data), so signxml checks it at a moment
        inside the validity period."""
        return SignatureConfiguration(
            require_x509=True,
            location=_LOCATION,
            expect_references=1,
            signature_methods=frozenset({self.method}),
            digest_algorithms=frozenset({self.digest}),
            verification_time=certificate.not_valid_before_utc,
        )


def read_policy(sig, *, allow_sha1=False, legacy_c14n=False):
    """The Policy of a Signature (check_signature_schema's shape), or a refusal naming what is not allowed."""
    signed_info = sig[0]
    cm, sm, ref = signed_info
    allowed_c14n = LEGACY_C14N_METHODS if legacy_c14n else C14N_METHODS
    if cm.get("Algorithm") not in allowed_c14n:
        _refuse(MALFORMED, f"SignedInfo/CanonicalizationMethod: {cm.get('Algorithm')!r} not accepted (exclusive "
                           "c14n without comments" + (", or inclusive c14n 1.0" if legacy_c14n else "") + ")")
    if sm.get("Algorithm") not in _SIGNATURE_METHOD_URIS:
        _refuse(MALFORMED, f"SignedInfo/SignatureMethod: unsupported algorithm {sm.get('Algorithm')!r}")
    method, method_name, weak_method = _SIGNATURE_METHOD_URIS[sm.get("Algorithm")]
    # Only URI="" (the whole document): a fragment reference leaves the rest unsigned.
    if ref.get("URI") != "":
        _refuse(WRAPPING, f"Reference/@URI: {ref.get('URI')!r}; only the whole document (URI=\"\") may be signed")
    transforms = list(ref[0]) if ref[0].tag == _DS + "Transforms" else []
    algorithms = [t.get("Algorithm") for t in transforms]
    # The enveloped-signature transform, then one canonicalisation (a Reference without one
    # would get signxml's default, inclusive c14n 1.1).
    if len(algorithms) != 2 or algorithms[0] != ENVELOPED or algorithms[1] not in allowed_c14n:
        _refuse(MALFORMED, f"Reference/Transforms: {algorithms}; expected the enveloped-signature transform, "
                           "then " + ("exclusive c14n or inclusive c14n 1.0" if legacy_c14n else "exclusive c14n"))
    digest_uri = ref[-2].get("Algorithm")
    if digest_uri not in _DIGEST_URIS:
        _refuse(MALFORMED, f"Reference/DigestMethod: unsupported algorithm {digest_uri!r}")
    digest, digest_name, weak_digest = _DIGEST_URIS[digest_uri]
    weaknesses = (f"signature method {method_name}",) * weak_method + (f"digest {digest_name}",) * weak_digest
    if weaknesses and not allow_sha1:
        _refuse(WEAK_ALGORITHM, "SHA-1 refused (" + ", ".join(weaknesses) + "); pass allow_sha1=True to accept it")
    if cm.get("Algorithm") != EXCLUSIVE_C14N or algorithms[1] != EXCLUSIVE_C14N:
        weaknesses += ("canonicalisation inclusive c14n 1.0 (legacy mode)",)
    return Policy(method, digest, (method_name, digest_name), weaknesses, cm.get("Algorithm"))


def _embedded_certificates(sig):
    texts = [c.text or "" for c in sig.iter(_DS + "X509Certificate")]
    if not texts:
        _refuse(MALFORMED, "Signature/KeyInfo/X509Data/X509Certificate: missing")
    certs = []
    for text in texts:
        pem = "-----BEGIN CERTIFICATE-----\n" + "".join(text.split()) + "\n-----END CERTIFICATE-----\n"
        try:
            cert = x509.load_pem_x509_certificate(pem.encode("ascii"))
            # cryptography reads fields lazily: read them now, so a broken certificate is
            # refused here and not as a stray exception in a later check.
            _ = (cert.version, cert.subject.rfc4514_string(), cert.issuer.rfc4514_string(), cert.extensions)
            _ = (cert.not_valid_before_utc, cert.not_valid_after_utc, cert.public_key())
        except Exception as exc:  # noqa: BLE001 (unsigned input: whatever cryptography raises reading it)
            _refuse(MALFORMED, f"Signature/KeyInfo/X509Data/X509Certificate: unreadable certificate "
                               f"({type(exc).__name__}: {exc})")
        certs.append(cert)
    return certs


def _inherit_xml_attributes(signed_info):
    """Set on SignedInfo the xml:* attributes it inherits (inclusive c14n 1.0 renders them on
    the apex of the subset; signxml canonicalises a copy without its ancestors). The
    enveloped-signature transform removes the whole Signature, so the document's digest is
    not changed by this."""
    inherited = {}
    for ancestor in signed_info.iterancestors():
        for name, value in ancestor.attrib.items():
            if name.startswith("{http://www.w3.org/XML/1998/namespace}"):
                inherited.setdefault(name, value)
    for name, value in inherited.items():
        if name not in signed_info.attrib:
            signed_info.set(name, value)


# --------------------------------------------------------------------------- verification


def verify(data, *, allow_sha1=False, legacy_c14n=False, limits=edxml.DEFAULT_LIMITS):
    """Verify the enveloped signature of edXML bytes; returns a VerifiedMessage.

    Trust in the signer is NOT decided here (see trust.py): this only proves that the
    embedded certificate's key signed the returned tree. SHA-1 is refused unless
    `allow_sha1`, and then reported in `weak` / `weaknesses`; inclusive c14n 1.0 is refused
    unless `legacy_c14n`.
    """
    if isinstance(data, str):
        data = data.encode("utf-8")
    root = edxml.safe_fromstring(data, limits)
    if outside_root(root):
        _refuse(MALFORMED, "nodes outside the root element (processing instructions or comments): "
                           "the signature of URI=\"\" covers the whole document")
    sig = check_structure(root)
    check_signature_schema(sig)
    policy = read_policy(sig, allow_sha1=allow_sha1, legacy_c14n=legacy_c14n)
    certs = _embedded_certificates(sig)
    legacy = policy.c14n != EXCLUSIVE_C14N
    if legacy:
        _inherit_xml_attributes(sig[0])
    try:
        # signxml's schema check (lax where ours is strict) runs too, except in the legacy
        # mode: the xml:* attributes set on SignedInfo above are outside it.
        result = XMLVerifier().verify(
            root, x509_cert=certs[0], expect_config=policy.expect_config(certs[0]), validate_schema=not legacy
        )
    except sx_exc.InvalidDigest as exc:
        _refuse(TAMPERED, f"signed content was altered: {exc}")
    except sx_exc.InvalidSignature as exc:
        _refuse(TAMPERED, f"signature value does not match: {exc}")
    except (sx_exc.SignXMLException, UnsupportedAlgorithm, ValueError, TypeError, etree.LxmlError) as exc:
        _refuse(MALFORMED, f"signature could not be processed: {exc}")
    if result.signed_xml is None:
        _refuse(MALFORMED, "signed content is not XML")
    return VerifiedMessage(
        tree=result.signed_xml,
        certificate=certs[0],
        algorithm=policy.names[0],
        digest_algorithm=policy.names[1],
        weak=bool(policy.weaknesses),
        weaknesses=policy.weaknesses,
        chain=tuple(certs),
        signed_bytes=result.signed_data,
    )
