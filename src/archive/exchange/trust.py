"""Trust decisions on incoming edXML: signer certificates pinned per agency (OrganId).

A message is accepted only if
1. it parses safely and its signature verifies (signing.verify, signed content only),
2. the signing certificate is one registered for the message's sender
   (From/OrganId of the MessageHeader or Status, read from the signed content), and
3. that certificate was valid at the signing time.

Signing time: the sender's own TraceHeader Timestamp (OrganId equal to From/OrganId;
the latest one if several), because the sending system stamps it when it dispatches
and signs, to the second. PromulgationDate is only a fallback when no such TraceHeader
exists: it is the issuing date of the document, may precede the signing, and carries
no time, so the certificate must then be valid at some moment of that day. Status
messages use Status/Timestamp. edXML times have no offset; they are read in the
sender's zone, Vietnam time (UTC+7) unless configured otherwise. The time is asserted
by the sender: without a timestamp authority a holder of an expired key could backdate
it, which the receiver's own arrival log must catch. Times more than `max_future_skew`
ahead of now are refused.

Certificates are pinned (matched by SHA-256 fingerprint), not chain-validated: the
registry of agencies and their certificates is the trust anchor.
"""

import os
from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone

from cryptography.hazmat.primitives import hashes

from . import edxml, signing
from .errors import (
    EXPIRED_CERTIFICATE,
    MALFORMED,
    SENDER_MISMATCH,
    UNKNOWN_CERTIFICATE,
    ExchangeError,
    RefusedMessage,
)

VIETNAM_TZ = edxml.VIETNAM_TZ

__all__ = ["AcceptedMessage", "RefusedMessage", "TrustStore", "signing_time_of", "VIETNAM_TZ"]


def fingerprint(cert):
    return cert.fingerprint(hashes.SHA256())


@dataclass(frozen=True)
class AcceptedMessage:
    """A message that passed every check; read data only from here (it is the signed content)."""

    message: object  # edxml.EdocMessage | edxml.StatusMessage
    sender: str
    verified: signing.VerifiedMessage
    signing_time: datetime
    signing_time_source: str

    @property
    def tree(self):
        return self.verified.tree

    @property
    def certificate(self):
        return self.verified.certificate

    @property
    def signer_subject(self):
        return self.verified.signer_subject

    @property
    def algorithm(self):
        return self.verified.algorithm

    @property
    def weak(self):
        return self.verified.weak


def signing_time_of(msg, tz=VIETNAM_TZ):
    """(earliest, latest, source) bounds of the signing time, as aware datetimes (see module doc)."""
    if isinstance(msg, edxml.StatusMessage):
        t = msg.timestamp.replace(tzinfo=tz)
        return t, t, "Status/Timestamp"
    own = [th.timestamp for th in msg.trace_headers if th.organ_id == msg.from_.organ_id]
    if own:
        t = max(own).replace(tzinfo=tz)
        return t, t, "TraceHeader/Timestamp"
    day = msg.promulgation_info.promulgation_date
    if day is None:
        raise RefusedMessage(MALFORMED, "no signing time: neither a sender TraceHeader nor a PromulgationDate")
    start = datetime.combine(day, time.min, tzinfo=tz)
    end = datetime.combine(day, time.max, tzinfo=tz)
    return start, end, "PromulgationInfo/PromulgationDate"


class TrustStore:
    """Certificates registered per OrganId."""

    def __init__(self, *, tz=VIETNAM_TZ, max_future_skew=timedelta(hours=1)):
        self.tz = tz
        self.max_future_skew = max_future_skew
        self._by_organ = {}  # organ_id -> {fingerprint: cert}

    def add(self, organ_id, pem):
        """Register every certificate of a PEM blob for `organ_id`; returns them."""
        certs = signing.load_certificates(pem)
        bucket = self._by_organ.setdefault(organ_id, {})
        for c in certs:
            bucket[fingerprint(c)] = c
        return certs

    def load_directory(self, path):
        """Register `<OrganId>.pem` files of a directory (one file may hold several certificates).

        Returns the number of certificates loaded.
        """
        count = 0
        for name in sorted(os.listdir(path)):
            if not name.endswith(".pem"):
                continue
            organ_id = name[: -len(".pem")]
            if not edxml.ORGAN_ID_RE.match(organ_id) or len(organ_id) > edxml.ORGAN_ID_MAX:
                raise ValueError(f"{name}: file name is not <OrganId>.pem")
            with open(os.path.join(path, name), "rb") as fh:
                count += len(self.add(organ_id, fh.read()))
        return count

    @classmethod
    def from_directory(cls, path, **kw):
        store = cls(**kw)
        store.load_directory(path)
        return store

    def organs(self):
        return sorted(self._by_organ)

    def certificates(self, organ_id):
        return list(self._by_organ.get(organ_id, {}).values())

    def organs_of(self, cert):
        fp = fingerprint(cert)
        return sorted(o for o, bucket in self._by_organ.items() if fp in bucket)

    def verify(self, data, *, allow_sha1=False, legacy_c14n=False, limits=edxml.DEFAULT_LIMITS, now=None):
        """Accept or refuse edXML bytes; returns AcceptedMessage or raises RefusedMessage.

        `allow_sha1` and `legacy_c14n` are the site's algorithm policy (signing.verify).
        """
        try:
            verified = signing.verify(data, allow_sha1=allow_sha1, legacy_c14n=legacy_c14n, limits=limits)
            # Everything below reads the signed content only.
            msg = verified.read(limits)
        except RefusedMessage:
            raise
        except ExchangeError as exc:
            raise RefusedMessage(exc.reason_code, exc.message, element=exc.element) from exc

        sender = msg.from_.organ_id
        cert = verified.certificate
        if fingerprint(cert) not in self._by_organ.get(sender, {}):
            others = self.organs_of(cert)
            if others:
                raise RefusedMessage(
                    SENDER_MISMATCH,
                    f"From/OrganId is {sender} but the signing certificate is registered for {', '.join(others)}",
                )
            raise RefusedMessage(
                UNKNOWN_CERTIFICATE,
                f"signing certificate ({cert.subject.rfc4514_string()}) is not registered for any agency",
            )

        earliest, latest, source = signing_time_of(msg, self.tz)
        now = now or datetime.now(timezone.utc)
        if earliest > now + self.max_future_skew:
            raise RefusedMessage(MALFORMED, f"{source}: signing time {earliest.isoformat()} is in the future")
        if cert.not_valid_before_utc > latest or cert.not_valid_after_utc < earliest:
            raise RefusedMessage(
                EXPIRED_CERTIFICATE,
                f"certificate valid {cert.not_valid_before_utc.isoformat()} to {cert.not_valid_after_utc.isoformat()},"
                f" not at signing time {earliest.isoformat()} ({source})",
            )
        return AcceptedMessage(msg, sender, verified, earliest, source)


def verify_message(data, store, **kw):
    """Shorthand for `store.verify(data, **kw)`."""
    return store.verify(data, **kw)
