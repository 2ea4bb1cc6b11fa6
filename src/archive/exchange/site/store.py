"""Exchange state kept in ZODB: the outbox of signed messages, the DocumentId indexes,
the processed-message register and each item's exchange history.

Everything is written in the transaction of the change that causes it; after commit a
Celery worker is asked to send (archive.tasks.client.send_after_commit). If the broker is down the entries
wait for the periodic send, so a message is never lost between Zope and the axis.
Each structure is a BTree (or a list on one item), so exchanges about different
documents do not conflict on one hot object.
"""
import hashlib
import time
import uuid
from datetime import datetime
from datetime import timezone

from BTrees.OOBTree import OOBTree
from persistent import Persistent
from persistent.list import PersistentList
from persistent.mapping import PersistentMapping
from zope.annotation.interfaces import IAnnotations
from zope.component.hooks import getSite
from ZODB.blob import Blob

from archive.tasks.client import send_after_commit


OUTBOX = "archive.exchange.outbox"
SENT = "archive.exchange.sent"          # DocumentId -> {"uid", "to"} of documents we sent
RECEIVED = "archive.exchange.received"  # DocumentId -> {"uid", "from"} of documents we registered
PROCESSED = "archive.exchange.processed"  # sha256 of a received message -> what it did
HISTORY = "archive.exchange.history"
SEND_TASK = "archive.exchange.send"


def _tree(key, site=None, create=True):
    annotations = IAnnotations(site or getSite())
    tree = annotations.get(key)
    if tree is None and create:
        tree = annotations[key] = OOBTree()
    return tree


def now_iso():
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


# --------------------------------------------------------------------------- outbox


class OutgoingMessage(Persistent):
    """One signed message waiting for the axis; the bytes live in a blob (edocs carry files)."""

    def __init__(self, kind, document_id, to, data, item_uid=None, status_code=""):
        self.id = f"{time.time():.6f}-{uuid.uuid4().hex[:8]}"
        self.kind = kind
        self.document_id = document_id
        self.to = list(to)
        self.item_uid = item_uid
        self.status_code = status_code
        self.created = now_iso()
        self.attempts = 0
        self.last_error = ""
        self.sha256 = hashlib.sha256(data).hexdigest()
        self.blob = Blob()
        with self.blob.open("w") as stream:
            stream.write(data)

    def data(self):
        with self.blob.open("r") as stream:
            return stream.read()


def queue(kind, document_id, to, data, item_uid=None, status_code="", site=None):
    """Record a signed message for the axis; a worker is asked to send it after commit."""
    message = OutgoingMessage(kind, document_id, to, data, item_uid=item_uid, status_code=status_code)
    _tree(OUTBOX, site)[message.id] = message
    send_after_commit(SEND_TASK)
    return message


def pending(limit=None, site=None):
    box = _tree(OUTBOX, site, create=False)
    if not box:
        return []
    messages = []
    for message in box.values():
        messages.append(message)
        if limit and len(messages) >= limit:
            break
    return messages


def pending_count(site=None):
    box = _tree(OUTBOX, site, create=False)
    return len(box) if box is not None else 0


def take(message_id, site=None):
    """Remove a message the worker has settled; returns it (or None if already gone)."""
    box = _tree(OUTBOX, site, create=False)
    if box is None or message_id not in box:
        return None
    message = box[message_id]
    del box[message_id]
    return message


def note_failure(message_id, error, site=None):
    box = _tree(OUTBOX, site, create=False)
    message = box.get(message_id) if box is not None else None
    if message is not None:
        message.attempts += 1
        message.last_error = str(error)[:500]
    return message


# --------------------------------------------------------------------------- indexes


def remember_sent(document_id, uid, to, site=None):
    sent = _tree(SENT, site)
    entry = sent.get(document_id)
    receivers = sorted(set(to) | set(entry["to"] if entry else ()))
    sent[document_id] = PersistentMapping({"uid": uid, "to": receivers})


def last_sent_as(item):
    """The DocumentId this item was last sent under as a new document or replacement ("" if never)."""
    for entry in reversed(history(item)):
        if entry.get("direction") == "sent" and entry.get("event") == "queued" and \
                entry.get("business", "new") in ("new", "replacement"):
            return entry["document_id"]
    return ""


def sent_entry(document_id, site=None):
    sent = _tree(SENT, site, create=False)
    return sent.get(document_id) if sent is not None else None


def remember_received(document_id, uid, sender, site=None):
    _tree(RECEIVED, site)[document_id] = PersistentMapping({"uid": uid, "from": sender})


def received_entry(document_id, site=None):
    received = _tree(RECEIVED, site, create=False)
    return received.get(document_id) if received is not None else None


def processed(digest, site=None):
    done = _tree(PROCESSED, site, create=False)
    return done.get(digest) if done is not None else None


def remember_processed(digest, outcome, site=None):
    _tree(PROCESSED, site)[digest] = PersistentMapping(outcome)


# --------------------------------------------------------------------------- history


def history(item, create=False):
    annotations = IAnnotations(item)
    entries = annotations.get(HISTORY)
    if entries is None and create:
        entries = annotations[HISTORY] = PersistentList()
    return entries if entries is not None else []


def add_history(item, *, direction, document_id, event, status_code="", description="", to=(), from_=""):
    entry = PersistentMapping({
        "time": now_iso(), "direction": direction, "document_id": document_id, "event": event,
        "status_code": status_code, "description": description, "to": list(to), "from": from_,
    })
    history(item, create=True).append(entry)
    return entry
