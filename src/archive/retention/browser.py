"""Archivists' pages: the desk (due for closing, transfer, disposal; disposal lists), the
printable destruction record, and the legal-hold form."""
from datetime import date

from archive.retention import completeness
from archive.retention import hold
from archive.retention.behavior import IArchivalMetadata
from archive.retention.behavior import KEY_FIELDS
from archive.retention import metadata
from archive.retention.api import due_brains
from archive.retention.interfaces import IArchivalRecord
from archive.retention.interfaces import IDisposalList
from archive.retention.interfaces import IHeld
from archive.retention.schedule import PERMANENT
from plone import api
from plone.protect import CheckAuthenticator
from Products.Five import BrowserView
from zExceptions import BadRequest
from zope.i18n import translate

# Law on Archives 33/2024: into the historical archive within 5 years after the current archive,
# which a file enters within 1 year of the end of the year it was closed.
TRANSFER_YEARS = 6
BATCH = 100


def _row(brain, **extra):
    return dict(url=brain.getURL(), title=brain.Title, type=brain.portal_type, state=brain.review_state, **extra)


class ArchivistDesk(BrowserView):
    """@@archivist-desk: what is due for closing, for transfer and for disposal, and the disposal lists."""

    def today(self):
        return date.today()

    def closing(self):
        brains = api.content.find(object_provides=IArchivalRecord.__identifier__,
                                  review_state=["finished", "approved"], sort_on="modified")
        return [_row(brain) for brain in brains[:BATCH]]

    def transfer(self):
        last_year_end = date(self.today().year - 1, 12, 31)
        brains = api.content.find(object_provides=IArchivalRecord.__identifier__, archival_retention=PERMANENT,
                                  archival_closed={"query": last_year_end, "range": "max"},
                                  sort_on="archival_closed")
        rows = []
        for brain in brains[:BATCH]:
            closed = metadata.retention_and_closing(brain.getObject())[1]
            rows.append(_row(brain, closed=closed, deadline=date(closed.year + TRANSFER_YEARS, 12, 31)))
        return rows

    def disposal(self):
        held = {brain.UID for brain in api.content.find(object_provides=IHeld.__identifier__)}
        return [_row(brain, uid=brain.UID, disposal_date=brain.disposal_date, held=brain.UID in held)
                for brain in due_brains()[:BATCH]]

    def disposal_lists(self):
        brains = api.content.find(object_provides=IDisposalList.__identifier__, sort_on="created",
                                  sort_order="descending")
        return [_row(brain) for brain in brains[:BATCH]]

    def disposal_section(self):
        section = api.portal.get().get("disposal")
        return section.absolute_url() if section is not None else None


class CompletenessPage(BrowserView):
    """@@archival-completeness: the completeness report for people (REST: @archival-completeness)."""

    size = 100

    def start(self):
        try:
            return max(int(self.request.form.get("b_start", 0) or 0), 0)
        except ValueError:
            return 0

    def report(self):
        return completeness.report(self.start(), self.size)

    def label(self, key):
        field = IArchivalMetadata[KEY_FIELDS[key]]
        return translate(field.title, context=self.request)


class DestructionRecord(BrowserView):
    """@@destruction-record: the printable record of an executed disposal list."""

    def record(self):
        return self.context.destruction_record or {}


class LegalHoldForm(BrowserView):
    """@@legal-hold: set or release an item's hold, with a reason."""

    error = None

    def hold(self):
        return hold.hold_of(self.context)

    def __call__(self):
        if self.request.method == "POST":
            CheckAuthenticator(self.request)
            reason = self.request.form.get("reason", "")
            try:
                if self.request.form.get("action") == "release":
                    hold.release_hold(self.context, reason)
                else:
                    hold.set_hold(self.context, reason)
            except BadRequest as exc:
                self.error = str(exc)
                self.request.response.setStatus(400)
            else:
                self.request.response.redirect(self.context.absolute_url() + "/@@legal-hold")
                return ""
        return self.index()
