"""Browser views that print the one-stop slips of a dossier (and an agency's register) as PDF.

They gather plain values from the dossier, its procedure, its agency and its workflow
history, and hand them to archive.reports.slips, which draws the forms.
"""
from datetime import date
from datetime import datetime
from datetime import time
from datetime import timedelta

from Acquisition import aq_base
from archive.content import clock
from archive.content import lookup
from archive.content.types import components_in
from archive.content.types import DOSSIER_WORKFLOW
from archive.i18n import _
from archive.public.status import status_url
from archive.reports import slips
from plone import api
from Products.Five.browser import BrowserView
from zExceptions import NotFound
from zope.i18n import translate


class BadPeriod(ValueError):
    """The register's period cannot be read."""


def history(dossier):
    return list((getattr(aq_base(dossier), "workflow_history", None) or {}).get(DOSSIER_WORKFLOW, ()))


def last_comment(dossier, transition):
    for entry in reversed(history(dossier)):
        if entry.get("action") == transition:
            return entry.get("comments") or ""
    return None


def _local(value):
    if value is None:
        return None
    if hasattr(value, "asdatetime"):
        value = value.asdatetime()
    return clock.to_local_naive(value)


def _short(value):
    value = _local(value)
    return f"{value:%d/%m/%Y %H:%M}" if value else ""


class SlipView(BrowserView):
    """Base: the dossier's agency and centre, the PDF answer."""

    slip_id = None

    def agency_name(self, code=None):
        agency = lookup.agency_by_code(code or self.context.agency_code)
        return agency.title if agency is not None else (code or self.context.agency_code or "")

    def centre_name(self):
        name = api.portal.get_registry_record("archive.centre_name", default=None)
        return name or api.portal.get().Title()

    def procedure(self):
        return lookup.procedure_by_code(self.context.procedure_code)

    def respond(self, data, name):
        response = self.request.response
        response.setHeader("Content-Type", "application/pdf")
        response.setHeader("Content-Disposition", f'inline; filename="{name}.pdf"')
        response.setHeader("Cache-Control", "private, no-store")
        return data

    def unavailable(self):
        message = _("error_slip_unavailable", default="This slip does not apply to the dossier in its current state.")
        raise NotFound(translate(message, context=self.request))

    def __call__(self):
        if self.slip_id not in {slip_id for slip_id, _title, _view in slips.applicable(self.context)}:
            self.unavailable()
        return self.respond(self.render(), f"{self.slip_id}-{self.context.dossier_code}")


class ReceiptSlip(SlipView):
    slip_id = "receipt"

    def render(self):
        components = [{"title": c.title, "kind": c.kind} for c in components_in(self.context)]
        return slips.receipt(self.context, self.procedure(), components, self.agency_name(), self.centre_name(),
                             status_url(self.context))


class SupplementSlip(SlipView):
    slip_id = "supplement"

    def render(self):
        request = list(self.context.supplement_requests or [])[-1]
        return slips.supplement(self.context, self.procedure(), request, self.agency_name(), self.centre_name())


class RefusalSlip(SlipView):
    slip_id = "refusal"

    def render(self):
        return slips.refusal(self.context, self.procedure(), last_comment(self.context, "refuse"),
                             self.agency_name(), self.centre_name())


class ExtensionSlip(SlipView):
    slip_id = "extension"

    def render(self):
        entry = slips.extensions(self.context)[-1]
        return slips.extension(self.context, self.procedure(), entry, self.agency_name(), self.centre_name())


class StoppedSlip(SlipView):
    slip_id = "stopped"

    def render(self):
        return slips.stopped(self.context, self.procedure(), last_comment(self.context, "stop"),
                             self.agency_name(), self.centre_name())


class ControlSlip(SlipView):
    slip_id = "control"

    def render(self):
        workflow = api.portal.get_tool("portal_workflow")
        wf = workflow.getWorkflowById(DOSSIER_WORKFLOW)
        steps = []
        for entry in history(self.context):
            action = entry.get("action")
            transition = wf.transitions.get(action) if action else None
            state = wf.states.get(entry.get("review_state"))
            steps.append({
                "time": _short(entry.get("time")),
                "actor": entry.get("actor") or "",
                "action": translate(transition.title, domain="archive", target_language="vi") if transition
                else "Tiếp nhận hồ sơ",
                "state": translate(state.title, domain="archive", target_language="vi") if state else "",
                "comment": entry.get("comments") or "",
            })
        return slips.control(self.context, self.procedure(), steps, self.agency_name(), self.centre_name())


class RegisterSlip(SlipView):
    """Form 07 on an agency's dossier shard: `?start=YYYY-MM-DD&end=YYYY-MM-DD` (default: this month)."""

    def _day(self, name, default):
        value = self.request.form.get(name)
        if not value:
            return default
        try:
            return date.fromisoformat(value)
        except (TypeError, ValueError):
            raise BadPeriod(_("error_register_date", default="${field}: a date as YYYY-MM-DD is expected.",
                              mapping={"field": name}))

    def __call__(self):
        agency = getattr(aq_base(self.context), "agency_code", None)
        if not agency:
            raise NotFound("register")
        today = clock.now().date()
        try:
            start = self._day("start", today.replace(day=1))
            end = self._day("end", today)
            if end < start:
                raise BadPeriod(_("error_register_period", default="end: the end of the period comes before its start."))
        except BadPeriod as error:
            # A plain answer naming the parameter (a 4xx, not an error page with a logged traceback).
            self.request.response.setStatus(400)
            self.request.response.setHeader("Content-Type", "text/plain; charset=utf-8")
            return translate(error.args[0], context=self.request)
        query = {"range": "min:max", "query": (datetime.combine(start, time.min),
                                                datetime.combine(end + timedelta(days=1), time.min) - timedelta(seconds=1))}
        brains = api.content.find(context=self.context, portal_type="Dossier", received=query, sort_on="received")
        procedures = {}
        rows = []
        for brain in brains:
            dossier = brain.getObject()
            if dossier.procedure_code not in procedures:
                procedure = lookup.procedure_by_code(dossier.procedure_code)
                procedures[dossier.procedure_code] = procedure.title if procedure is not None else dossier.procedure_code
            returned = [e.get("time") for e in history(dossier) if e.get("action") == "return_result"]
            rows.append({
                "code": dossier.dossier_code, "procedure": procedures[dossier.procedure_code],
                "applicant": dossier.applicant_name, "address": dossier.applicant_address or "",
                "received": _short(dossier.received), "due": _short(dossier.due),
                "completed": _short(dossier.completed), "returned": _short(returned[-1]) if returned else "",
                "state": str(dossier.status_code or ""),
            })
        data = slips.register(rows, self.agency_name(agency), self.centre_name(), start, end)
        return self.respond(data, f"so-theo-doi-{agency}-{start:%Y%m%d}-{end:%Y%m%d}")
