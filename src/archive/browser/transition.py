"""The form behind every dossier transition: a comment, required where the law wants a reason.

Every officer who may fire a transition gets it (Plone's own comment form asks for
'Modify portal content', which reception and specialists lack in most states). A
supplement request also lists what is missing: the procedure's required components as a
checklist, plus free text. The guards (archive.workflow.guards) say beforehand what the
transition still needs and refuse it again when it is posted, whatever the form shows.
"""
from archive.content import lookup
from archive.i18n import _
from archive.workflow import guards
from plone import api
from plone.protect import CheckAuthenticator
from Products.Five.browser import BrowserView
from zExceptions import BadRequest
from zExceptions import NotFound
from zope.i18n import translate


class DossierTransitionForm(BrowserView):
    def _t(self, message):
        return translate(message, domain="archive", context=self.request)

    def transitions(self):
        """The transitions the current user may fire on this dossier, by id."""
        workflow = api.portal.get_tool("portal_workflow")
        return {t["id"]: t for t in workflow.getTransitionsFor(self.context)}

    def __call__(self):
        self.transition = self.request.form.get("transition", "")
        available = self.transitions()
        if self.transition not in available:
            raise NotFound(self.transition)
        self.title = self._t(available[self.transition]["title"] or self.transition)
        self.reason_required = self.transition in guards.REASON_REQUIRED
        self.error = None
        self.comment = self.request.form.get("comment", "")
        self.checked = [value for value in self.request.form.get("missing", []) if value in self.checklist()]
        if self.request.method == "POST" and self.request.form.get("form.submitted"):
            CheckAuthenticator(self.request)
            if self.fire():
                return ""
        return self.index()

    def checklist(self):
        """The procedure's required components, for a supplement request."""
        if self.transition != "request_supplement":
            return []
        procedure = lookup.procedure_by_code(self.context.procedure_code)
        return list(getattr(procedure, "required_components", None) or [])

    def precondition(self):
        """What the transition needs beyond the comment (a result, an issued result), or None."""
        message = guards.missing(self.context, self.transition, comment="-")
        return self._t(message) if message is not None else None

    def fire(self):
        comment = self.comment.strip()
        if self.checked:
            listed = self._t(_("supplement_missing_list", default="Missing: ${items}.",
                               mapping={"items": "; ".join(self.checked)}))
            comment = f"{listed} {comment}".strip()
        try:
            api.portal.get_tool("portal_workflow").doActionFor(
                self.context, self.transition, comment=comment, missing_components=list(self.checked))
        except BadRequest as error:
            self.error = str(error)
            self.request.response.setStatus(400)
            return False
        api.portal.show_message(self._t(_("msg_transition_done", default="Done: ${action}.",
                                          mapping={"action": self.title})), request=self.request)
        self.request.response.redirect(self.context.absolute_url())
        return True
