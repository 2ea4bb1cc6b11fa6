"""The apology and new appointment (form 04 of Circular 03/2025/TT-VPCP): a dossier that will be
late gets a later due date, with the reason the law requires, journaled and printed.

Only while the dossier is being processed, by its agency's specialists and leaders; the
new date must come after the current one. The dossier keeps every extension (previous and
new due date, reason, who, when) for the slip and the page.
"""
from datetime import date
from datetime import datetime

from archive.audit import journal
from archive.content import clock
from archive.i18n import _
from plone import api
from plone.protect import CheckAuthenticator
from plone.uuid.interfaces import IUUID
from Products.Five.browser import BrowserView
from zExceptions import NotFound
from zope.i18n import translate

ROLES = {"Specialist", "Leader", "Manager", "Site Administrator"}


def may_extend(dossier):
    if api.content.get_state(dossier, default=None) != "processing":
        return False
    return bool(ROLES & set(api.user.get_roles(obj=dossier)))


def extend(dossier, new_due, reason, actor):
    """Move the dossier's appointment to `new_due` (a naive local datetime) for `reason`."""
    previous = clock.to_local_naive(dossier.due)
    entry = {"requested": clock.now().isoformat(), "by": actor, "reason": reason,
             "previous_due": previous.isoformat() if previous else None, "new_due": new_due.isoformat()}
    dossier.extensions = list(getattr(dossier, "extensions", None) or []) + [entry]
    dossier.due = new_due
    dossier.reindexObject(idxs=["due"])
    journal.record("extended", uid=IUUID(dossier), path="/".join(dossier.getPhysicalPath()),
                   portal_type=dossier.portal_type, details=entry)
    return entry


class ExtensionForm(BrowserView):
    def _t(self, message):
        return translate(message, domain="archive", context=self.request)

    def __call__(self):
        if not may_extend(self.context):
            raise NotFound("dossier-extend")
        self.error = None
        form = self.request.form
        self.reason = form.get("reason", "")
        self.new_due = form.get("new_due", "")
        if self.request.method == "POST" and form.get("form.submitted"):
            CheckAuthenticator(self.request)
            if self.submit():
                return ""
            self.request.response.setStatus(400)
        return self.index()

    def current_due(self):
        due = clock.to_local_naive(self.context.due)
        return due.strftime("%d/%m/%Y %H:%M") if due else ""

    def submit(self):
        reason = self.reason.strip()
        if not reason:
            self.error = self._t(_("guard_reason_required", default="This action needs a reason (comment)."))
            return False
        try:
            day = date.fromisoformat(self.new_due.strip())
        except ValueError:
            self.error = self._t(_("error_new_due", default="new_due: a date as YYYY-MM-DD is expected."))
            return False
        current = clock.to_local_naive(self.context.due)
        at = current.time() if current else datetime.min.time()
        new_due = datetime.combine(day, at)
        if current and new_due <= current:
            self.error = self._t(_("error_new_due_not_later",
                                   default="new_due: the new appointment must come after the current one."))
            return False
        extend(self.context, new_due, reason, api.user.get_current().getId())
        api.portal.show_message(self._t(_("msg_extended", default="New appointment recorded; print the apology slip.")),
                                request=self.request)
        self.request.response.redirect(self.context.absolute_url())
        return True
