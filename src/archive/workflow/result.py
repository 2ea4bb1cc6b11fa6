"""Result workflow side effects: a revocation needs a reason, kept with the result."""
from archive.i18n import _
from zExceptions import BadRequest
from zope.globalrequest import getRequest
from zope.i18n import translate


def _reason(event):
    return ((event.kwargs or {}).get("comment") or "").strip()


def before_transition(result, event):
    # Refused before the state changes, so the caller's transaction holds nothing half-done.
    if event.transition is not None and event.transition.id == "revoke" and not _reason(event):
        message = _("error_revocation_reason", default="A revocation needs a reason (comment).")
        raise BadRequest(translate(message, context=getRequest()))


def after_transition(result, event):
    if event.transition is not None and event.transition.id == "revoke":
        result.revocation_reason = _reason(event)
