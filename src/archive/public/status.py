"""The public status of a dossier: who may ask (code and last four ID digits, or the receipt's QR
token), what they learn (state and appointment, nothing personal), and how often (rate limit).

No oracle: a missing code, a wrong ID and a wrong token all get the same answer (None).

The rate limit counts lookups per client address in a sliding window, in the memory of
each Zope process: with several instances behind a balancer a client gets that many tries
per instance, which still bounds guessing the 10,000 possible ID endings far below what a
brute force needs; a shared limit would sit in the balancer (or Redis) instead.
"""
import hashlib
import hmac
import os
import threading
import time
from collections import deque

from plone import api
from plone.uuid.interfaces import IUUID

LIMIT = int(os.environ.get("ARCHIVE_STATUS_LIMIT", "10"))  # lookups per client address
WINDOW = float(os.environ.get("ARCHIVE_STATUS_WINDOW", "60"))  # seconds


def token(dossier):
    """The receipt's QR token: derived from the dossier's random UUID, which citizens never see."""
    return hashlib.sha256(f"archive-status:{IUUID(dossier)}".encode()).hexdigest()[:24]


def status_url(dossier):
    portal_url = api.portal.get().absolute_url()
    return f"{portal_url}/@@dossier-status?code={dossier.dossier_code}&t={token(dossier)}"


def find(code, id_digits="", qr_token=""):
    """The dossier for a citizen's question, or None (for every kind of mismatch alike)."""
    code = (code or "").strip()
    id_digits = (id_digits or "").strip()
    qr_token = (qr_token or "").strip()
    dossier = None
    if code and len(code) <= 100:
        brains = api.portal.get_tool("portal_catalog").unrestrictedSearchResults(portal_type="Dossier", dossier_code=code)
        dossier = brains[0]._unrestrictedGetObject() if brains else None
    expected_digits = (dossier.applicant_id or "")[-4:] if dossier is not None else "----"
    expected_token = token(dossier) if dossier is not None else "-" * 24
    digits_ok = len(id_digits) == 4 and hmac.compare_digest(id_digits.encode(), expected_digits.encode())
    token_ok = bool(qr_token) and hmac.compare_digest(qr_token.encode(), expected_token.encode())
    if dossier is None or not (digits_ok or token_ok):
        return None
    return dossier


class RateLimiter:
    """At most `limit` events per key in any `window` seconds (in this process)."""

    def __init__(self, limit=LIMIT, window=WINDOW):
        self.limit = limit
        self.window = window
        self.events = {}
        self.lock = threading.Lock()

    def allow(self, key, now=None):
        """Count an event for `key`; returns (allowed, seconds to wait)."""
        now = time.monotonic() if now is None else now
        with self.lock:
            if len(self.events) > 10000:  # forget idle clients so memory stays bounded
                self.events = {k: q for k, q in self.events.items() if q and q[-1] > now - self.window}
            queue = self.events.setdefault(key, deque())
            while queue and queue[0] <= now - self.window:
                queue.popleft()
            if len(queue) >= self.limit:
                return False, max(1, int(queue[0] + self.window - now) + 1)
            queue.append(now)
            return True, 0


limiter = RateLimiter()
