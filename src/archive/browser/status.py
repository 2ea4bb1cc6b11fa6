"""The public status page: a citizen's dossier code and ID ending (or the receipt's QR) give the
state and the appointment date, nothing personal; rate limited (see archive.public.status)."""
from archive.content import clock
from archive.public import status
from plone import api
from Products.Five.browser import BrowserView
from zope.i18n import translate


class DossierStatusPage(BrowserView):
    def __call__(self):
        form = self.request.form
        self.code = (form.get("code") or "").strip()[:100]
        self.answer = None
        self.not_found = False
        self.limited = False
        response = self.request.response
        response.setHeader("Cache-Control", "no-store")
        response.setHeader("X-Robots-Tag", "noindex")
        if self.code:
            allowed, wait = status.limiter.allow(self.request.getClientAddr() or "unknown")
            if not allowed:
                self.limited = True
                response.setStatus(429)
                response.setHeader("Retry-After", str(wait))
            else:
                dossier = status.find(self.code, form.get("id4", ""), form.get("t", ""))
                if dossier is None:
                    self.not_found = True
                else:
                    self.answer = self.describe(dossier)
        return self.index()

    def describe(self, dossier):
        state = api.content.get_state(dossier, default=None)
        workflow = api.portal.get_tool("portal_workflow")
        title = workflow.getTitleForStateOnType(state, dossier.portal_type) if state else ""
        due = clock.to_local_naive(dossier.due)
        return {
            "code": dossier.dossier_code,
            "state": translate(title, domain="archive", context=self.request),
            "status_code": dossier.status_code,
            "due": due.strftime("%H:%M %d/%m/%Y") if due else "",
        }
