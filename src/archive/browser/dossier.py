"""The dossier page: what a records officer checks at a glance, in the site's language.

Status with its national portal code, the applicant, the appointment date and whether it
is late, the supplement requests, the components with their checksums, and the history.
"""
from datetime import datetime

from Acquisition import aq_base
from archive.browser import extension
from archive.browser import payment
from archive.content import clock
from archive.content.types import DOSSIER_WORKFLOW
from archive.content.types import components_in
from archive.content.vocabularies import CHANNELS
from archive.content.vocabularies import COMPONENT_KINDS
from archive.content.vocabularies import TIMELINESS
from archive.i18n import _
from archive.reports import slips
from plone import api
from Products.Five.browser import BrowserView
from zope.i18n import translate

DATE = "%d/%m/%Y %H:%M"


def _format(value):
    if value is None:
        return ""
    if hasattr(value, "asdatetime"):  # Zope DateTime, as in the workflow history
        value = value.asdatetime()
    return clock.to_local_naive(value).strftime(DATE)


def human_size(num_bytes):
    """A byte count as B, KB, MB or GB, for people."""
    for unit in ("B", "KB", "MB", "GB"):
        if num_bytes < 1024 or unit == "GB":
            return f"{num_bytes:.0f} {unit}" if unit == "B" else f"{num_bytes:.1f} {unit}"
        num_bytes /= 1024


class DossierView(BrowserView):
    def _t(self, msgid):
        return translate(msgid, domain="archive", context=self.request)

    def state(self):
        workflow = api.portal.get_tool("portal_workflow")
        state = api.content.get_state(self.context, default=None)
        title = workflow.getTitleForStateOnType(state, self.context.portal_type) if state else ""
        return {"id": state, "title": self._t(title), "code": self.context.status_code}

    def dates(self):
        dossier = self.context
        late = bool(dossier.due and not dossier.completed and dossier.due < clock.now())
        return {
            "received": _format(dossier.received),
            "due": _format(dossier.due),
            "completed": _format(dossier.completed),
            "late": late,
        }

    def channel(self):
        labels = dict(CHANNELS)
        value = self.context.channel
        return self._t(labels[value]) if value in labels else (value or "")

    def timeliness(self):
        labels = dict(TIMELINESS)
        value = self.context.timeliness
        return self._t(labels[value]) if value in labels else ""

    def supplements(self):
        return [{"requested": _format(_iso(r.get("requested"))),
                 "resumed": _format(_iso(r.get("resumed"))),
                 "missing": r.get("missing", []),
                 "reason": r.get("reason", "")}
                for r in self.context.supplement_requests or []]

    def components(self):
        kinds = dict(COMPONENT_KINDS)
        rows = []
        for component in components_in(self.context):
            named_file = component.file
            rows.append({
                "title": component.title,
                "kind": self._t(kinds.get(component.kind, component.kind or "")),
                "digitised": bool(component.digitised),
                "filename": getattr(named_file, "filename", ""),
                "size": human_size(named_file.getSize()) if named_file is not None else "",
                "sha256": component.sha256 or "",
                "url": component.absolute_url(),
                "download": f"{component.absolute_url()}/@@download/file",
            })
        return rows

    def history(self):
        # Read from the dossier itself: the workflow's `review_history` variable is guarded by
        # 'Review portal content', which specialists, auditors and archivists do not have,
        # while this page already requires View.
        workflow = api.portal.get_tool("portal_workflow")
        entries = (getattr(aq_base(self.context), "workflow_history", None) or {}).get(DOSSIER_WORKFLOW, ())
        rows = []
        for entry in reversed(entries):
            state = entry.get("review_state")
            rows.append({
                "time": _format(entry.get("time")),
                "actor": entry.get("actor") or "",
                "state": self._t(workflow.getTitleForStateOnType(state, self.context.portal_type) or state),
                "comments": entry.get("comments") or "",
            })
        return rows

    def actions(self):
        """The transitions the current user may fire, each opening its form."""
        workflow = api.portal.get_tool("portal_workflow")
        base = self.context.absolute_url()
        actions = [{"id": t["id"], "title": self._t(t["title"] or t["id"]),
                    "url": f"{base}/@@dossier-transition?transition={t['id']}"}
                   for t in workflow.getTransitionsFor(self.context)]
        if extension.may_extend(self.context):
            actions.append({"id": "extend", "title": self._t(_("label_extend_action", default="Apology and new appointment")),
                            "url": f"{base}/@@dossier-extend"})
        if payment.may_record(self.context):
            actions.append({"id": "payment", "title": self._t(_("label_fees_action", default="Fees and payments")),
                            "url": f"{base}/@@dossier-payment"})
        return actions

    def extensions(self):
        return [{"requested": _format(_iso(e.get("requested"))), "previous_due": _format(_iso(e.get("previous_due"))),
                 "new_due": _format(_iso(e.get("new_due"))), "by": e.get("by") or "", "reason": e.get("reason") or ""}
                for e in getattr(self.context, "extensions", None) or []]

    def slips(self):
        """The printable one-stop slips that apply to this dossier in its state."""
        base = self.context.absolute_url()
        return [{"id": slip_id, "title": self._t(title), "url": f"{base}/@@{view}"}
                for slip_id, title, view in slips.applicable(self.context)]

    def result_url(self):
        code = self.context.result_code
        if not code:
            return None
        brains = api.content.find(portal_type="Result", result_code=code)
        return brains[0].getURL() if brains else None


def _iso(value):
    return datetime.fromisoformat(value) if value else None
