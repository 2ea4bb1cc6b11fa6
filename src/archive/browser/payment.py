"""The fee of a dossier at the desk: what is due, the payments with their receipt numbers, the
form that records one (cash, transfer, VietQR), and the printable notice with the VietQR code."""
from archive.browser.slips import SlipView
from archive.fees import payments
from archive.fees import vietqr
from archive.i18n import _
from archive.reports import slips
from archive.workflow.payment import amount_due
from plone import api
from plone.protect import CheckAuthenticator
from Products.Five.browser import BrowserView
from zExceptions import NotFound
from zope.i18n import translate

ROLES = {"ReceptionOfficer", "Manager", "Site Administrator"}
METHOD_TITLES = {"cash": _("payment_cash", default="Cash"), "transfer": _("payment_transfer", default="Bank transfer"),
                 "vietqr": _("payment_vietqr", default="VietQR transfer")}


def may_record(dossier):
    return bool(ROLES & set(api.user.get_roles(obj=dossier))) and payments.fee_of(dossier) > 0


def qr_payload(dossier):
    account = payments.bank_account()
    due = payments.fee_of(dossier) - payments.paid(dossier)
    if account is None or due <= 0:
        return None
    return vietqr.payload(account[0], account[1], due, dossier.dossier_code)


class PaymentForm(BrowserView):
    def _t(self, message):
        return translate(message, domain="archive", context=self.request)

    def confirm_url(self):
        """The form of "payment received" when the dossier waits for its fee (portal status 6), the
        payments cover it and the user may fire it; None otherwise."""
        if api.content.get_state(self.context) != "payment_requested" or amount_due(self.context) > 0:
            return None
        workflow = api.portal.get_tool("portal_workflow")
        if "confirm_payment" not in {t["id"] for t in workflow.getTransitionsFor(self.context)}:
            return None
        return f"{self.context.absolute_url()}/@@dossier-transition?transition=confirm_payment"

    def methods(self):
        return [{"id": m, "title": self._t(t)} for m, t in METHOD_TITLES.items()]

    def summary(self):
        fee, paid = payments.fee_of(self.context), payments.paid(self.context)
        return {"fee": slips._money(fee), "paid": slips._money(paid), "due": slips._money(max(fee - paid, 0)),
                "due_amount": max(fee - paid, 0),
                "payments": [dict(p, amount=slips._money(p["amount"]),
                                  method=self._t(METHOD_TITLES.get(p["method"], p["method"])))
                             for p in getattr(self.context, "payments", None) or []]}

    def __call__(self):
        if not may_record(self.context):
            raise NotFound("dossier-payment")
        self.error = None
        form = self.request.form
        if self.request.method == "POST" and form.get("form.submitted"):
            CheckAuthenticator(self.request)
            try:
                amount = int(str(form.get("amount", "")).replace(".", "").strip())
            except ValueError:
                amount = 0
            try:
                entry = payments.record_payment(self.context, form.get("method", ""), amount,
                                                api.user.get_current().getId(), form.get("reference", "").strip())
            except ValueError as error:
                field = error.args[0]
                self.error = self._t(_("error_payment_field", default="${field}: this value cannot be used.",
                                       mapping={"field": field}))
                self.request.response.setStatus(400)
                return self.index()
            api.portal.show_message(self._t(_("msg_payment_recorded", default="Payment recorded: receipt ${number}.",
                                              mapping={"number": entry["receipt_number"]})), request=self.request)
            # The fee is covered on a dossier that waits for it: the next step is "payment received".
            self.request.response.redirect(self.confirm_url() or self.context.absolute_url())
            return ""
        return self.index()


class PaymentSlip(SlipView):
    slip_id = "payment"

    def __call__(self):
        if payments.fee_of(self.context) <= 0:
            self.unavailable()
        return self.respond(self.render(), f"{self.slip_id}-{self.context.dossier_code}")

    def render(self):
        return slips.payment_notice(self.context, self.procedure(), payments.fee_of(self.context),
                                    list(getattr(self.context, "payments", None) or []), payments.bank_account(),
                                    qr_payload(self.context), self.agency_name(), self.centre_name())
