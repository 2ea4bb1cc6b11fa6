"""Closing into the archive: when a dossier's result is returned or a legal document is
published, the item is noted in the closing outbox in the same transaction, and a worker
asks the site (POST @archive-closing) to build and store its AIP.

The outbox is a BTree keyed by UID in the site's annotations (concurrent closings touch
different buckets); an entry leaves it only in the transaction that stored the AIP, so a
dead broker or a crashed worker delays a package, it never loses one.
"""
import logging
import time
import uuid
from itertools import islice

from BTrees.OOBTree import OOBTree
from plone import api
from zope.annotation.interfaces import IAnnotations
from zope.component.hooks import getSite

from archive.preservation.building import build_aip
from archive.tasks.client import send_after_commit

logger = logging.getLogger("archive.preservation")
KEY = "archive.preservation.closing"
CLOSE_TASK = "archive.preservation.close"
# The workflow state in which an item is closed into the archive, per workflow.
CLOSING_STATES = {
    "archive_dossier_workflow": "returned",
    "archive_legal_document_workflow": "published",
}


def outbox(site=None, create=True):
    annotations = IAnnotations(site if site is not None else getSite())
    entries = annotations.get(KEY)
    if entries is None and create:
        entries = annotations[KEY] = OOBTree()
    return entries


def note(obj, reason):
    """Ask for an AIP of ``obj`` once this transaction commits."""
    stamp = f"{time.time():.6f}-{uuid.uuid4().hex[:8]}"
    outbox()[obj.UID()] = {"path": "/".join(obj.getPhysicalPath()), "reason": reason, "stamp": stamp}
    send_after_commit(CLOSE_TASK)
    return stamp


def closing_transition(obj, event):
    """Subscriber: an item reaching its workflow's closing state is noted for closing."""
    workflow = getattr(event, "workflow", None)
    new_state = getattr(event, "new_state", None)
    if workflow is None or new_state is None:
        return
    if CLOSING_STATES.get(workflow.getId()) == new_state.getId():
        note(obj, f"{workflow.getId()}:{new_state.getId()}")


def pending(site=None):
    entries = outbox(site, create=False)
    return len(entries) if entries is not None else 0


def close_pending(limit=20, site=None):
    """Build and store the AIPs of up to ``limit`` noted items (in the current transaction);
    returns [{uid, path, objid or error}]. An item gone meanwhile is dropped with a log line."""
    site = site if site is not None else getSite()
    entries = outbox(site, create=False)
    done = []
    if not entries:
        return done
    for uid, entry in list(islice(entries.items(), limit)):  # not the whole outbox each time
        obj = api.content.get(UID=uid)
        if obj is None:
            logger.warning("Closing: %s (%s) no longer exists", uid, entry["path"])
            done.append({"uid": uid, "path": entry["path"], "error": "gone"})
        else:
            record = build_aip(obj)
            done.append({"uid": uid, "path": entry["path"], "objid": record.objid, "state": record.state})
        del entries[uid]
    return done
