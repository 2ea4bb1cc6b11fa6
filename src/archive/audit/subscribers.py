"""Event subscribers that journal what happens to archive records: added, modified (with
the changed field names), moved, removed, workflow transitions and sharing changes."""
from Acquisition import aq_base
from plone.app.workflow.interfaces import ILocalrolesModifiedEvent
from zope.container.interfaces import IContainerModifiedEvent
from zope.lifecycleevent.interfaces import IObjectAddedEvent
from zope.lifecycleevent.interfaces import IObjectRemovedEvent

from archive.audit import journal

JOURNALED_TYPES = frozenset(
    {"Agency", "Procedure", "Dossier", "DossierComponent", "Result", "LegalDocument", "ArchiveAttachment"})
# Sharing is mostly set on an agency's shards, so their local roles are journaled too.
SHARING_TYPES = JOURNALED_TYPES | {"ArchiveFolder"}


def _path(obj):
    return "/".join(obj.getPhysicalPath())


def _uid(obj):
    # The attribute directly: UID() may consult the catalog, and a removed object has left it.
    return getattr(aq_base(obj), "_plone.uuid", None)


def _record(obj, action, details=None, path=None):
    journal.record(action, uid=_uid(obj), path=path or _path(obj), portal_type=obj.portal_type,
                   details=details)


def moved(obj, event):
    """Added, removed, or moved/renamed (all three are IObjectMovedEvents)."""
    if getattr(obj, "portal_type", None) not in JOURNALED_TYPES:
        return
    if IObjectAddedEvent.providedBy(event):
        _record(obj, "added")
    elif IObjectRemovedEvent.providedBy(event):
        # The object has left its container: its path is the one it had there.
        old = "/".join(event.oldParent.getPhysicalPath() + (event.oldName,))
        _record(obj, "removed", path=old)
    elif event.oldParent is not None and event.newParent is not None:
        old = "/".join(event.oldParent.getPhysicalPath() + (event.oldName,))
        _record(obj, "moved", {"from": old})


def modified(obj, event):
    if getattr(obj, "portal_type", None) not in JOURNALED_TYPES:
        return
    if ILocalrolesModifiedEvent.providedBy(event) or IContainerModifiedEvent.providedBy(event):
        return  # sharing has its own entry; a child added or removed is journaled on the child
    # plone.restapi names a field "<schema identifier>.<name>"; the name is what an auditor reads.
    fields = sorted({name.rsplit(".", 1)[-1] for description in getattr(event, "descriptions", ()) or ()
                     for name in getattr(description, "attributes", ()) or ()})
    _record(obj, "modified", {"fields": fields})


def transitioned(obj, event):
    if getattr(obj, "portal_type", None) not in JOURNALED_TYPES or event.transition is None:
        return  # no transition: the initial state set at creation, journaled as "added"
    status = event.status or {}
    _record(obj, "transition", {
        "transition": event.transition.id, "from": event.old_state.id, "to": event.new_state.id,
        "comment": status.get("comments") or (event.kwargs or {}).get("comment") or "",
    })


def local_roles_modified(obj, event):
    if getattr(obj, "portal_type", None) not in SHARING_TYPES:
        return
    # The roles as they are now (the event does not say what changed); principals are ids.
    roles = {principal: sorted(granted) for principal, granted in obj.get_local_roles()}
    inherit = not getattr(aq_base(obj), "__ac_local_roles_block__", False)
    _record(obj, "sharing", {"local_roles": roles, "inherit": inherit})
