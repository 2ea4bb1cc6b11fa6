"""Result workflow side effects: a revocation keeps its reason with the result."""
from archive.i18n import _
from zExceptions import BadRequest


def after_transition(result, event):
    if event.transition is not None and event.transition.id == "revoke":
        reason = ((event.kwargs or {}).get("comment") or "").strip()
        if not reason:
            # Aborts the transaction: a revocation without a reason is not recorded.
            raise BadRequest(_("error_revocation_reason", default="A revocation needs a reason (comment)."))
        result.revocation_reason = reason
