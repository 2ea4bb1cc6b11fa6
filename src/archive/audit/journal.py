"""Storage of the audit journal: one small persistent entry per event in a BTree in the
site's annotations, written in the same transaction as the change it describes.

Keys are time-ordered and unique (UTC nanoseconds plus a random suffix), so concurrent
transactions add different keys and BTree conflict resolution merges them; nothing every
writer must update (no counter, no chain head) exists here. Sealing (seal.py) links the
entries into a hash chain afterwards.
"""
import logging
import secrets
import time
from datetime import datetime
from datetime import timezone

import transaction
from AccessControl import getSecurityManager
from BTrees.OOBTree import OOBTree
from persistent.mapping import PersistentMapping
from ZODB.POSException import ConflictError
from zope.annotation.interfaces import IAnnotations
from zope.component.hooks import getSite

KEY = "archive.audit.journal"
logger = logging.getLogger("archive.audit")

# Fields of an entry as written; sealing adds seq, prev and hash.
FIELDS = ("key", "time", "actor", "action", "uid", "path", "portal_type", "details")


def journal(site=None, create=True):
    """The site's journal BTree (None if nothing was ever journaled and create is false)."""
    site = site if site is not None else getSite()
    annotations = IAnnotations(site)
    entries = annotations.get(KEY)
    if entries is None and create:
        entries = annotations[KEY] = OOBTree()
    return entries


def key_for(nanoseconds, suffix=""):
    """Journal key of a time; keys sort by time (zero-padded), then by the random suffix."""
    return f"{nanoseconds:020d}-{suffix}" if suffix else f"{nanoseconds:020d}"


def key_time(key):
    return int(key.split("-", 1)[0])


def iso(nanoseconds):
    return datetime.fromtimestamp(nanoseconds / 1e9, timezone.utc).isoformat(timespec="microseconds")


def current_actor():
    user = getSecurityManager().getUser()
    return (user.getId() or user.getUserName()) if user is not None else "system"


def make_entry(action, uid=None, path=None, portal_type=None, details=None, actor=None, nanoseconds=None):
    nanoseconds = nanoseconds if nanoseconds is not None else time.time_ns()
    key = key_for(nanoseconds, secrets.token_hex(4))
    return key, PersistentMapping({
        "key": key, "time": iso(nanoseconds), "actor": actor or current_actor(), "action": action,
        "uid": uid, "path": path, "portal_type": portal_type, "details": dict(details or {}),
    })


def record(action, uid=None, path=None, portal_type=None, details=None, site=None):
    """Journal an event in the current transaction; returns the entry's key (None without a site)."""
    site = site if site is not None else getSite()
    if site is None:
        return None
    key, entry = make_entry(action, uid, path, portal_type, details)
    journal(site)[key] = entry
    return key


def record_detached(site, action, uid=None, path=None, portal_type=None, details=None, attempts=3):
    """Journal an event in a transaction of its own, for facts that must survive the abort of
    the request's transaction (a refused message: the request is doomed so that it writes
    nothing else). Never raises: a failure is logged, the caller's answer stands."""
    db = site._p_jar.db()
    manager = transaction.TransactionManager()
    key, entry = make_entry(action, uid, path, portal_type, details)
    connection = db.open(transaction_manager=manager)
    try:
        for attempt in range(attempts):
            try:
                manager.begin()
                journal(connection.get(site._p_oid))[key] = entry
                manager.commit()
                return key
            except ConflictError:
                manager.abort()
                entry = PersistentMapping(dict(entry))  # the aborted one belongs to the old attempt
        logger.error("Could not journal %s after %d conflicts", action, attempts)
    except Exception:
        manager.abort()
        logger.exception("Could not journal %s", action)
    finally:
        connection.close()
    return None


def plain(entry):
    """An entry as JSON-ready data (a copy: callers never touch the stored one)."""
    data = dict(entry)
    data["details"] = dict(data.get("details") or {})
    return data
