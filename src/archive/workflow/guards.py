"""Dossier transition guards: what a transition needs before it may happen, said in the officer's language.

Checked before the state changes (IBeforeTransitionEvent), whichever way the transition
is asked for (REST @workflow, the transition form, content_status_modify, code), so a
refused transition leaves nothing half-done. The transition form asks `missing` first to
tell the officer beforehand.

- a dossier is returned only with an issued result (a draft, signed or revoked one is not
  enough);
- "approve and finish" needs a result that is not revoked;
- the transitions the law wants a reason for (supplement request, refusal, stop,
  withdrawal) need a comment; a supplement request may give its reason as the list of
  missing components instead;
- "payment received" needs recorded payments that cover the procedure's fee (the message
  says how much is still to pay); "request the fee payment" needs a fee not yet covered
  (archive.workflow.payment, also the transition's guard expression, which hides it).
"""
from archive.i18n import _
from archive.workflow.payment import amount_due
from plone import api
from zExceptions import BadRequest
from zope.globalrequest import getRequest
from zope.i18n import translate

REASON_REQUIRED = frozenset({"request_supplement", "refuse", "stop", "withdraw"})


def result_states(dossier):
    """The workflow states of the results its own agency issued for this dossier (in the
    agency's results shard: another agency's result naming the code does not count),
    whoever may see them."""
    code = getattr(dossier, "dossier_code", None)
    results = api.portal.get().get("results")
    shard = results.get(dossier.agency_code) if results is not None and dossier.agency_code else None
    if not code or shard is None:
        return []
    catalog = api.portal.get_tool("portal_catalog")
    return [brain.review_state for brain in catalog.unrestrictedSearchResults(
        portal_type="Result", dossier_code=code, path={"query": "/".join(shard.getPhysicalPath()), "depth": 1})]


def missing(dossier, transition, comment="", missing_components=()):
    """The message saying what `transition` still needs on `dossier`, or None when nothing."""
    if transition in REASON_REQUIRED and not (comment or "").strip() and not list(missing_components or ()):
        if transition == "request_supplement":
            return _("guard_supplement_reason",
                     default="A supplement request needs a reason: tick the missing components or write what is missing.")
        return _("guard_reason_required", default="This action needs a reason (comment).")
    if transition == "return_result":
        states = result_states(dossier)
        if "issued" not in states:
            if states:
                return _("guard_return_needs_issued",
                         default="The result is not issued yet: only an issued result can be returned.")
            return _("guard_return_needs_result", default="No result has been issued for this dossier.")
    if transition == "finish":
        if not [state for state in result_states(dossier) if state != "revoked"]:
            return _("guard_finish_needs_result",
                     default="Approving needs a result: add the result of this dossier first.")
    if transition == "confirm_payment":
        due = amount_due(dossier)
        if due > 0:
            return _("guard_payment_not_covered",
                     default="The payments recorded do not cover the fee yet: ${amount} VND still to pay.",
                     mapping={"amount": f"{due:,}".replace(",", ".")})
    if transition == "request_payment" and amount_due(dossier) <= 0:
        return _("guard_payment_nothing_due",
                 default="Nothing to pay: the procedure has no fee, or the payments recorded cover it.")
    return None


def before_transition(dossier, event):
    if event.transition is None:
        return
    kwargs = event.kwargs or {}
    message = missing(dossier, event.transition.id, kwargs.get("comment", ""), kwargs.get("missing_components", ()))
    if message is not None:
        raise BadRequest(translate(message, context=getRequest()))
