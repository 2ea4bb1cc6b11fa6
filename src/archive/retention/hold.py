"""Legal hold: a held item cannot be edited, moved, disposed of or deleted by anyone,
site administrators included, until a holder of `archive: Manage legal hold` releases it.

Two locks: the item's edit and delete permissions are withdrawn from every role while it
is held (so forms and REST refuse before anything changes), and subscribers refuse any
modification, move or removal event of a held item or of anything inside it (so no code
path that skips the permission check can change it). Every set and release is journaled."""
from datetime import datetime
from datetime import timezone

from AccessControl import getSecurityManager
from AccessControl import Unauthorized
from AccessControl.Permission import pname
from Acquisition import aq_base
from Acquisition import aq_chain
from Acquisition import aq_inner
from archive.audit import journal
from archive.i18n import _
from archive.retention.messages import say
from archive.retention.interfaces import IHeld
from persistent.mapping import PersistentMapping
from plone import api
from zExceptions import BadRequest
from zExceptions import Forbidden
from zope.annotation.interfaces import IAnnotations
from zope.interface import alsoProvides
from zope.interface import noLongerProvides

KEY = "archive.retention.hold"
PERMISSION = "archive: Manage legal hold"
# Withdrawn from every role while held; restored as they were on release.
LOCKED_PERMISSIONS = ("Modify portal content", "Delete objects", "archive: Edit archival metadata")
_MISSING = object()


class HeldError(Forbidden):
    """Refusal of a change to an item under legal hold (403)."""


def hold_of(obj):
    """The hold on an item: {"reason", "by", "at"} or None."""
    found = IAnnotations(obj).get(KEY) if IHeld.providedBy(obj) else None
    return dict(found["hold"]) if found else None


def held_ancestor(obj):
    """The item itself or its nearest container under hold, or None."""
    for item in aq_chain(aq_inner(obj)):
        if IHeld.providedBy(item):
            return item
    return None


def _check_permission(obj):
    if not getSecurityManager().checkPermission(PERMISSION, obj):
        raise Unauthorized("archive: Manage legal hold")


def _lock(obj, saved):
    base = aq_base(obj)
    for permission in LOCKED_PERMISSIONS:
        attribute = pname(permission)
        if permission not in saved:
            current = getattr(base, attribute, _MISSING) if attribute in base.__dict__ else _MISSING
            saved[permission] = None if current is _MISSING else current
        obj.manage_permission(permission, roles=[], acquire=False)


def _unlock(obj, saved):
    base = aq_base(obj)
    for permission in LOCKED_PERMISSIONS:
        previous = saved.get(permission)
        attribute = pname(permission)
        if previous is None:
            if attribute in base.__dict__:
                delattr(base, attribute)
        else:
            setattr(base, attribute, previous)
    workflow = api.portal.get_tool("portal_workflow")
    for definition in workflow.getWorkflowsFor(obj):
        definition.updateRoleMappingsFor(obj)


def set_hold(obj, reason):
    """Put the item under legal hold (needs the permission); journaled."""
    _check_permission(obj)
    reason = (reason or "").strip()
    if not reason:
        raise BadRequest(say(_("error_hold_reason", default="reason: a legal hold needs a reason.")))
    if IHeld.providedBy(obj):
        raise BadRequest(say(_("error_already_held", default="The item is already under legal hold.")))
    hold = {"reason": reason, "by": journal.current_actor(),
            "at": datetime.now(timezone.utc).isoformat(timespec="seconds")}
    state = PersistentMapping({"hold": hold, "saved": PersistentMapping()})
    IAnnotations(obj)[KEY] = state
    alsoProvides(obj, IHeld)
    _lock(obj, state["saved"])
    obj.reindexObject(idxs=["object_provides"])
    journal.record("legal_hold_set", uid=api.content.get_uuid(obj), path="/".join(obj.getPhysicalPath()),
                   portal_type=obj.portal_type, details={"reason": reason})
    return hold


def release_hold(obj, reason=""):
    """Release the item's legal hold (needs the permission); journaled with the reason given."""
    _check_permission(obj)
    if not IHeld.providedBy(obj):
        raise BadRequest(say(_("error_not_held", default="The item is not under legal hold.")))
    state = IAnnotations(obj).pop(KEY)
    noLongerProvides(obj, IHeld)
    _unlock(obj, state["saved"])
    obj.reindexObject(idxs=["object_provides"])
    journal.record("legal_hold_released", uid=api.content.get_uuid(obj), path="/".join(obj.getPhysicalPath()),
                   portal_type=obj.portal_type,
                   details={"reason": (reason or "").strip(), "held_for": state["hold"]["reason"]})


def relock_after_transition(obj, event):
    """A workflow transition re-applies its state's permissions: withdraw them again."""
    state = IAnnotations(obj).get(KEY)
    if state is not None:
        _lock(obj, state["saved"])


def _refuse(obj, what):
    held = held_ancestor(obj)
    if held is not None:
        raise HeldError(f"{what} refused: {'/'.join(held.getPhysicalPath())} is under legal hold "
                        f"({IAnnotations(held)[KEY]['hold']['reason']}).")


def refuse_modification(obj, event):
    _refuse(obj, "Modification")


def refuse_move_or_removal(obj, event):
    if event.oldParent is None:
        return  # being added: nothing held is touched
    _refuse(obj, "Removal" if event.newParent is None else "Move")
