"""The search outbox: index work recorded in ZODB in the same transaction as the change.

Plone's indexing queue hands every catalog (re)index and unindex to each registered
IIndexQueueProcessor just before commit; ours records the affected archive item in a
BTree keyed by UID (the latest action wins, concurrent changes to different items touch
different buckets). After commit a Celery task is asked to drain it; if the broker is
down the entries simply wait for the periodic drain. Nothing leaves the transaction
without being written here first.

An entry to index also carries what its document takes from the object (text, title,
dates, codes), noted just before commit while the object is in memory anyway, so the
drain reads no object: a cold object costs a database load, and a drain after a large
intake would load every item again. Security and workflow state are not noted: the
drain reads them from the catalog, where the ZCatalog itself filters on them.
"""
import logging
import time
import uuid

import transaction

from Acquisition import aq_inner
from Acquisition import aq_parent
from BTrees.OOBTree import OOBTree
from Products.CMFCore.interfaces import IIndexQueueProcessor
from Products.CMFCore.utils import getToolByName
from zope.annotation.interfaces import IAnnotations
from zope.component.hooks import getSite
from zope.interface import implementer

from archive.search.documents import modified_version
from archive.search.documents import object_values
from archive.search.settings import get_settings
from archive.tasks.client import send_after_commit

logger = logging.getLogger("archive.search.outbox")
KEY = "archive.search.outbox"
DRAIN_TASK = "archive.search.drain"
SEARCHED_TYPES = ("Dossier", "Result", "LegalDocument")
# Parts whose text belongs to their parent's search document.
PART_TYPES = ("DossierComponent", "ArchiveAttachment")


def outbox(site=None, create=True):
    site = site or getSite()
    annotations = IAnnotations(site)
    entries = annotations.get(KEY)
    if entries is None and create:
        entries = annotations[KEY] = OOBTree()
    return entries


def record(uid, action, path, obj=None):
    """Note that `uid` must be indexed or deleted; returns the entry's stamp.

    For an indexed ``obj`` the values its search document takes from the object are
    noted too, just before commit (see ``_note_values``), so a drain needs no object."""
    stamp = f"{time.time():.6f}-{uuid.uuid4().hex[:8]}"
    # A plain dict, stored in the BTree's bucket: an entry is replaced, never changed, and a
    # persistent object per entry would cost a database load for each one a worker reads.
    outbox()[uid] = {"action": action, "path": path, "stamp": stamp}
    if obj is not None and action == "index":
        _values_before_commit(uid, obj)
    send_after_commit(DRAIN_TASK)
    return stamp


def _values_before_commit(uid, obj):
    txn = transaction.get()
    noted = txn.__dict__.get("_archive_outbox_values")
    if noted is None:
        noted = txn.__dict__["_archive_outbox_values"] = {}
        # Added while the indexing queue is processed (at commit, or when a search flushes
        # it), so it runs after the queue: the values are those of the final state.
        txn.addBeforeCommitHook(_note_values, (noted,))
    noted[uid] = obj


def _note_values(noted):
    """Store with each entry of this transaction what its document takes from the object,
    while the object is in memory anyway; items whose text is in a PDF are left to the
    drain (no extraction in the writing transaction)."""
    entries = outbox()
    catalog = None
    for uid, obj in noted.items():
        entry = entries.get(uid)
        if entry is None or entry["action"] != "index" or "values" in entry:
            continue
        catalog = catalog or getToolByName(obj, "portal_catalog")
        try:
            values = object_values(obj, catalog, files=False)
        except Exception:  # noqa: BLE001 - never fail a write for a shortcut: the drain builds it
            logger.exception("Search values of %s left to the drain", entry["path"])
            values = None
        if values is not None:
            entries[uid] = {**entry, "values": values, "version": modified_version(obj)}
    noted.clear()


def pending(limit=None, site=None, after=None):
    """Up to ``limit`` ``(uid, entry)`` pairs in UID order, those after ``after`` if given
    (the stored dicts themselves: read them, do not change them)."""
    entries = outbox(site, create=False)
    if not entries:
        return []
    items = []
    selected = entries.items(min=after, excludemin=True) if after is not None else entries.items()
    for uid, entry in selected:
        items.append((uid, entry))
        if limit and len(items) >= limit:
            break
    return items


def acknowledge(pairs, site=None):
    """Remove entries whose stamp is still the one the worker indexed (newer work stays)."""
    entries = outbox(site, create=False)
    removed = 0
    for uid, stamp in pairs:
        entry = entries.get(uid) if entries is not None else None
        if entry is not None and entry["stamp"] == stamp:
            del entries[uid]
            removed += 1
    return removed


def _searched_item(obj):
    portal_type = getattr(obj, "portal_type", None)
    if portal_type in SEARCHED_TYPES:
        return obj
    if portal_type in PART_TYPES:
        parent = aq_parent(aq_inner(obj))
        if getattr(parent, "portal_type", None) in SEARCHED_TYPES:
            return parent
    return None


def _uid(obj):
    return getattr(obj, "_plone.uuid", None) or getattr(obj, "UID", lambda: None)()


@implementer(IIndexQueueProcessor)
class OutboxProcessor:
    """Feeds the outbox from Plone's indexing queue (only when search is configured)."""

    def _enabled(self):
        return get_settings().enabled

    def index(self, obj, attributes=None):
        self._note(obj, "index")

    def reindex(self, obj, attributes=None, update_metadata=False):
        self._note(obj, "index")

    def unindex(self, obj):
        item = _searched_item(obj)
        if item is obj and self._enabled():
            record(_uid(obj), "delete", "/".join(obj.getPhysicalPath()))
        elif item is not None and self._enabled():
            record(_uid(item), "index", "/".join(item.getPhysicalPath()), item)

    def _note(self, obj, action):
        item = _searched_item(obj)
        if item is not None and self._enabled():
            record(_uid(item), action, "/".join(item.getPhysicalPath()), item)

    def begin(self):
        pass

    def commit(self):
        pass

    def abort(self):
        pass
