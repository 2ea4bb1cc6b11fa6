"""The fee step of the dossier workflow: when a dossier may be put in the portal's status 6.

A procedure needs payment before its result when it has a fee (the procedure's `fee`, in
VND, greater than 0): no separate flag, since a procedure with a fee is one whose fee is
owed before the result is handed out. `request_payment` is offered (its workflow guard
expression asks `@@dossier-fee-due`) only while the recorded payments do not cover the
fee; `confirm_payment` is refused by the guards (archive.workflow.guards) until they do.
"""
from archive.fees import payments
from Products.Five.browser import BrowserView


def amount_due(dossier):
    """What remains to pay on the dossier's fee, in VND (0 when nothing is owed)."""
    return max(payments.fee_of(dossier) - payments.paid(dossier), 0)


class FeeDue(BrowserView):
    """True when the dossier's procedure has a fee that the recorded payments do not cover yet."""

    def __call__(self):
        return amount_due(self.context) > 0
