"""Disposal lists: which items may be listed, and the execution that destroys them and keeps
a destruction record (what was destroyed, who approved it and when)."""
from datetime import date
from datetime import datetime
from datetime import timezone

import logging
import os

import transaction
from Acquisition import aq_base
from archive.audit import journal
from archive.content import clock
from archive.i18n import _
from archive.retention.messages import say
from archive.preservation import store
from archive.retention import metadata
from archive.retention.interfaces import IArchivalRecord
from archive.retention.interfaces import IDisposalList
from archive.retention.interfaces import IHeld
from persistent.list import PersistentList
from plone import api
from plone.dexterity.content import Item
from plone.namedfile.interfaces import INamedBlobFile
from zExceptions import BadRequest
from zope.interface import implementer
from zope.interface import Interface
from zope.interface import Invalid
from zope.interface import invariant

DISPOSAL_WORKFLOW = "archive_disposal_workflow"
logger = logging.getLogger("archive.retention")


@implementer(IDisposalList)
class DisposalList(Item):
    """A list of expired items proposed for destruction; its record survives them."""

    destruction_record = None


def today():
    return clock.now().date()


def _object(uid):
    catalog = api.portal.get_tool("portal_catalog")
    brains = catalog.unrestrictedSearchResults(UID=uid)
    return brains[0]._unrestrictedGetObject() if brains else None


def refusal(uid, when=None):
    """Why the item may not be destroyed (a sentence naming it), or None if it may."""
    obj = _object(uid)
    if obj is None or not IArchivalRecord.providedBy(obj):
        return f"items: {uid} is not an archival record of this site."
    path = "/".join(obj.getPhysicalPath())
    if IHeld.providedBy(obj):
        return f"items: {path} is under legal hold."
    due = metadata.disposal_date(obj)
    if due is None:
        retention, closed = metadata.retention_and_closing(obj)
        why = "is kept permanently" if retention == "permanent" else "is not closed yet"
        return f"items: {path} {why}: it has no disposal date."
    if due > (when or today()):
        return f"items: {path} is not due for disposal before {due.isoformat()}."
    return None


def refusals(uids, when=None):
    return [reason for reason in (refusal(uid, when) for uid in uids or ()) if reason]


class IDisposalRules(Interface):
    """Only items past their disposal date and not under hold can be listed."""

    @invariant
    def items_are_disposable(data):
        uids = getattr(data, "items", None) or []
        if len(set(uids)) != len(uids):
            raise Invalid(_("error_disposal_duplicates", default="items: an item is listed twice."))
        found = refusals(uids)
        if found:
            raise Invalid(" ".join(found))


def _state(obj):
    return api.content.get_state(obj, default=None)


def _last(obj, transition):
    """(actor, ISO time) of the list's last `transition`, or (None, None)."""
    for entry in reversed(obj.workflow_history.get(DISPOSAL_WORKFLOW, ())):
        if entry.get("action") == transition:
            return entry.get("actor"), entry["time"].asdatetime().astimezone(timezone.utc).isoformat(timespec="seconds")
    return None, None


def _plain(value):
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    return value


def check_transition(obj, event):
    """Before a transition: an appraisal needs the council's opinion; approval and execution
    need every listed item still disposable (a hold set since, for example, stops them)."""
    if event.transition is None:
        return
    name = event.transition.id
    if name == "appraise" and not ((obj.appraisal_opinion or "").strip() or obj.appraisal_file):
        raise BadRequest(say(_("error_no_appraisal",
                           default="appraisal_opinion: attach the appraisal council's opinion first.")))
    if name in ("appraise", "approve", "execute"):
        if not obj.items:
            raise BadRequest(say(_("error_disposal_empty", default="items: the disposal list is empty.")))
        found = refusals(obj.items)
        if found:
            raise BadRequest(" ".join(found))


def delete_packages(uid):
    """Remove the item's archival packages (the one place that calls preservation); returns
    what was removed, as the destruction record keeps it (with the PREMIS deletion events)."""
    return [{"objid": found["objid"], "package_type": found["package_type"], "sha256": found["sha256"],
             "size": found["size"], "files": found["files"], "deletion": dict(found["deletion"])}
            for found in store.delete_packages(uid)]


def execute(obj, event):
    """After the execute transition: destroy every listed item, its blobs and packages; keep
    the destruction record on the list and journal each removal (one transaction)."""
    if event.transition is None or event.transition.id != "execute":
        return
    approver, approved_at = _last(obj, "approve")
    appraiser, appraised_at = _last(obj, "appraise")
    executed_at = datetime.now(timezone.utc).isoformat(timespec="seconds")
    destroyed = PersistentList()
    blob_files = []
    for uid in obj.items:
        item = _object(uid)
        values = metadata.archival_metadata(item)
        entry = {
            "uid": uid, "path": "/".join(item.getPhysicalPath()), "portal_type": item.portal_type,
            "disposal_date": metadata.disposal_date(item).isoformat(),
            "metadata": {key: _plain(value) for key, value in values.items()},
            "documents": metadata.document_codes(item, values),
        }
        entry["packages"] = delete_packages(uid)
        blob_files.extend(_blob_files(item))
        parent = item.aq_parent
        with api.env.adopt_roles(["Manager"]):
            parent.manage_delObjects([item.getId()])
        journal.record("destroyed", uid=uid, path=entry["path"], portal_type=entry["portal_type"],
                       details={"disposal_list": api.content.get_uuid(obj), "approved_by": approver,
                                "file_code": entry["metadata"]["file_code"]})
        destroyed.append(entry)
    obj.destruction_record = {
        "destroyed": [dict(entry) for entry in destroyed], "appraised_by": appraiser, "appraised_at": appraised_at,
        "approved_by": approver, "approved_at": approved_at, "executed_by": journal.current_actor(),
        "executed_at": executed_at, "decision": obj.decision or "",
    }
    transaction.get().addAfterCommitHook(_remove_blob_files, args=(blob_files,))


def _blob_files(obj):
    """Files on disk of the committed blobs of an item and of everything inside it."""
    found = []
    for item in [obj] + list(getattr(aq_base(obj), "objectValues", lambda: [])()):
        base = aq_base(item)
        base._p_activate()
        for value in list(vars(base).values()):
            if INamedBlobFile.providedBy(value):
                try:
                    with value.open() as stream:
                        found.append(stream.name)
                except (OSError, ValueError):
                    logger.warning("No blob file for %s", "/".join(item.getPhysicalPath()))
    return found


def _remove_blob_files(committed, paths):
    """Once the removal is committed, the destroyed files leave the disk at once (as packing
    would remove them later): unreachable revisions nobody may restore."""
    if not committed:
        return
    for path in paths:
        try:
            os.remove(path)
        except FileNotFoundError:
            pass
        except OSError:
            logger.exception("Could not remove the destroyed blob %s", path)
