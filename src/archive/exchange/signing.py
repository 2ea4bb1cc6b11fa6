"""XMLDSig signing and verification of edXML messages (enveloped, RSA, exclusive c14n, via signxml)."""

import copy
from dataclasses import dataclass, field

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from lxml import etree
from signxml import SignatureConfiguration, XMLSigner, XMLVerifier
from signxml import exceptions as sx_exc
from signxml.algorithms import CanonicalizationMethod, DigestAlgorithm, SignatureConstructionMethod, SignatureMethod

from . import edxml
from .errors import MALFORMED, TAMPERED, WEAK_ALGORITHM, WRAPPING, ExchangeError

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

# Elements that must appear at most once, each at one fixed place; a second copy anywhere
# in the document is the signature of a wrapping attempt.
_SINGLETONS = {
    "edXMLEnvelope": ("edXML",),
    "edXMLHeader": ("edXMLEnvelope",),
    "MessageHeader": ("edXMLHeader",),
    "Status": ("edXMLHeader",),
    "TraceHeaderList": ("edXMLHeader",),
    "edXMLBody": ("edXMLEnvelope",),
    "edXMLManifest": ("edXMLBody",),
    "AttachmentEncoded": ("edXML",),
}


class SignatureRefused(ExchangeError):
    """Signature verification failed; `reason_code` is one of tampered, wrapping, weak_algorithm, malformed."""


@dataclass(frozen=True)
class VerifiedMessage:
    """What a valid signature covers. `tree` is the signed content only (the Signature removed),
    rebuilt from the canonical bytes that were digested; never read anything from the input tree."""

    tree: etree._Element
    certificate: x509.Certificate
    algorithm: str
    digest_algorithm: str
    weak: bool
    weaknesses: tuple = ()
    chain: tuple = field(default=(), repr=False)

    @property
    def signer_subject(self):
        return self.certificate.subject.rfc4514_string()


def _load_key(key, passphrase=None):
    if isinstance(key, (bytes, str)):
        data = key.encode() if isinstance(key, str) else key
        return serialization.load_pem_private_key(data, password=passphrase)
    return key


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


def sign_tree(root, key, cert, *, passphrase=None, limits=edxml.DEFAULT_LIMITS):
    """Sign an edXML tree; returns a new tree whose edXMLHeader ends with the ds:Signature.

    The message is validated first: signing a malformed message would only move the
    failure to the receiver.
    """
    edxml.validate(root, limits)
    if root.find(f".//{{{DS}}}Signature") is not None:
        raise edxml.EdxmlError("message is already signed")
    root = copy.deepcopy(root)  # the caller's tree stays untouched
    # signxml replaces this placeholder, which fixes the position: last child of edXMLHeader.
    etree.SubElement(_signature_parent(root), f"{{{DS}}}Signature", Id="placeholder", nsmap={"ds": DS})
    signer = XMLSigner(
        method=SignatureConstructionMethod.enveloped,
        signature_algorithm=SignatureMethod.RSA_SHA256,
        digest_algorithm=DigestAlgorithm.SHA256,
        c14n_algorithm=CanonicalizationMethod.EXCLUSIVE_XML_CANONICALIZATION_1_0,
    )
    # signxml offers no parser argument for signing and otherwise shares one class-level
    # parser between threads; give this signer its own hardened one.
    signer._parser = edxml.make_parser()
    return signer.sign(root, key=_load_key(key, passphrase), cert=[_load_cert(cert)])


def sign(data, key, cert, *, passphrase=None, limits=edxml.DEFAULT_LIMITS):
    """Sign edXML bytes with an RSA key (PEM or key object) and its certificate; returns signed bytes."""
    root = edxml.safe_fromstring(data, limits) if isinstance(data, (bytes, bytearray, str)) else data
    return edxml.to_bytes(sign_tree(root, key, cert, passphrase=passphrase, limits=limits))


def _refuse(reason, message):
    raise SignatureRefused(message, reason_code=reason)


def check_structure(root):
    """Refuse duplicated or displaced header/body parts and stray signatures (wrapping attacks).

    Returns the single ds:Signature element, which must be a child of edXMLHeader.
    """
    if root.tag != edxml.q("edXML"):
        _refuse(MALFORMED, f"root element must be {{{edxml.NS}}}edXML")
    seen = {}
    signatures = []
    for el in root.iter(etree.Element):
        tag = el.tag
        if tag == f"{{{DS}}}Signature":
            signatures.append(el)
            continue
        ns, _, name = tag[1:].partition("}") if tag.startswith("{") else ("", "", tag)
        if ns not in ("", edxml.NS) or name not in _SINGLETONS:
            continue
        parent = el.getparent()
        parent_name = edxml.local_name(parent) if parent is not None else ""
        if name in seen or parent_name not in _SINGLETONS[name]:
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


def _check_signature_policy(sig, allow_sha1):
    """Check algorithms and references before any cryptography; returns (names, weaknesses)."""
    ns = {"ds": DS}
    si = sig.find("ds:SignedInfo", ns)
    if si is None:
        _refuse(MALFORMED, "Signature/SignedInfo: missing")
    weaknesses = []
    sm = si.find("ds:SignatureMethod", ns)
    try:
        method = SignatureMethod(sm.get("Algorithm")) if sm is not None else None
    except (ValueError, sx_exc.InvalidInput):
        method = None
    if method in WEAK_SIGNATURE_METHODS:
        weaknesses.append(f"signature method {WEAK_SIGNATURE_METHODS[method]}")
    elif method not in STRONG_SIGNATURE_METHODS:
        uri = sm.get("Algorithm") if sm is not None else None
        _refuse(MALFORMED, f"SignedInfo/SignatureMethod: unsupported algorithm {uri!r}")
    cm = si.find("ds:CanonicalizationMethod", ns)
    if cm is None or cm.get("Algorithm") not in C14N_METHODS:
        _refuse(MALFORMED, "SignedInfo/CanonicalizationMethod: missing or unsupported")
    refs = si.findall("ds:Reference", ns)
    if len(refs) != 1:
        _refuse(WRAPPING, f"SignedInfo/Reference: {len(refs)} references, expected exactly one")
    ref = refs[0]
    # Only URI="" (the whole document) is accepted: a fragment reference leaves the rest
    # of the document unsigned, which is what wrapping attacks exploit.
    if ref.get("URI") != "":
        _refuse(WRAPPING, f"Reference/@URI: {ref.get('URI')!r}; only the whole document (URI=\"\") may be signed")
    for tr in ref.findall("ds:Transforms/ds:Transform", ns):
        if tr.get("Algorithm") not in ALLOWED_TRANSFORMS:
            _refuse(MALFORMED, f"Reference/Transforms: transform {tr.get('Algorithm')!r} not allowed")
    dm = ref.find("ds:DigestMethod", ns)
    try:
        digest = DigestAlgorithm(dm.get("Algorithm")) if dm is not None else None
    except (ValueError, sx_exc.InvalidInput):
        digest = None
    if digest in WEAK_DIGESTS:
        weaknesses.append(f"digest {WEAK_DIGESTS[digest]}")
    elif digest not in STRONG_DIGESTS:
        uri = dm.get("Algorithm") if dm is not None else None
        _refuse(MALFORMED, f"Reference/DigestMethod: unsupported algorithm {uri!r}")
    if weaknesses and not allow_sha1:
        _refuse(WEAK_ALGORITHM, "SHA-1 refused (" + ", ".join(weaknesses) + "); pass allow_sha1=True to accept it")
    names = (
        STRONG_SIGNATURE_METHODS.get(method) or WEAK_SIGNATURE_METHODS[method],
        STRONG_DIGESTS.get(digest) or WEAK_DIGESTS[digest],
    )
    return method, digest, names, tuple(weaknesses)


def _embedded_certificates(sig):
    texts = sig.findall(f"{{{DS}}}KeyInfo/{{{DS}}}X509Data/{{{DS}}}X509Certificate")
    if not texts:
        _refuse(MALFORMED, "Signature/KeyInfo/X509Data/X509Certificate: missing")
    certs = []
    for t in texts:
        b64 = "".join((t.text or "").split())
        pem = "-----BEGIN CERTIFICATE-----\n" + b64 + "\n-----END CERTIFICATE-----\n"
        try:
            cert = x509.load_pem_x509_certificate(pem.encode("ascii"))
            # cryptography parses fields lazily; read them now so a broken certificate is
            # refused here and not as a stray exception in a later check.
            _ = (cert.version, cert.subject.rfc4514_string(), cert.issuer.rfc4514_string(), cert.extensions)
            _ = (cert.not_valid_before_utc, cert.not_valid_after_utc, cert.public_key())
        except (ValueError, TypeError, UnicodeEncodeError, x509.InvalidVersion, UnsupportedAlgorithm) as exc:
            _refuse(MALFORMED, f"Signature/KeyInfo/X509Data/X509Certificate: unreadable certificate ({exc})")
        certs.append(cert)
    return certs


def verify(data, *, allow_sha1=False, limits=edxml.DEFAULT_LIMITS):
    """Verify the enveloped signature of edXML bytes; returns a VerifiedMessage.

    Trust in the signer is NOT decided here (see trust.py): this only proves that the
    embedded certificate's key signed the returned tree. SHA-1 is refused unless
    `allow_sha1`, and then reported in `weak` / `weaknesses` for auditing.
    """
    if isinstance(data, str):
        data = data.encode("utf-8")
    root = edxml.safe_fromstring(data, limits)
    sig = check_structure(root)
    method, digest, (alg_name, digest_name), weaknesses = _check_signature_policy(sig, allow_sha1)
    certs = _embedded_certificates(sig)
    signing_cert = certs[0]
    config = SignatureConfiguration(
        require_x509=True,
        location=f"./{{{edxml.NS}}}edXMLEnvelope/{{{edxml.NS}}}edXMLHeader/",
        expect_references=1,
        signature_methods=frozenset({method}),
        digest_algorithms=frozenset({digest}),
        # Certificate validity is judged by trust.py against the signing time read from the
        # signed content; this value only keeps signxml's own clock check out of the way.
        verification_time=signing_cert.not_valid_before_utc,
    )
    try:
        result = XMLVerifier().verify(
            data, x509_cert=signing_cert, parser=edxml.make_parser(), expect_config=config
        )
    except sx_exc.InvalidDigest as exc:
        _refuse(TAMPERED, f"signed content was altered: {exc}")
    except sx_exc.InvalidSignature as exc:
        _refuse(TAMPERED, f"signature value does not match: {exc}")
    except (
        sx_exc.InvalidInput,
        sx_exc.InvalidCertificate,
        UnsupportedAlgorithm,  # a certificate whose key type cryptography does not know
        ValueError,
        TypeError,
        etree.LxmlError,
    ) as exc:
        _refuse(MALFORMED, f"signature could not be processed: {exc}")
    if result.signed_xml is None:
        _refuse(MALFORMED, "signed content is not XML")
    return VerifiedMessage(
        tree=result.signed_xml,
        certificate=signing_cert,
        algorithm=alg_name,
        digest_algorithm=digest_name,
        weak=bool(weaknesses),
        weaknesses=weaknesses,
        chain=tuple(certs),
    )
