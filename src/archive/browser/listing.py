"""The dossier list of an agency shard (or of all shards): columns, sorting, filters, paging, CSV and XLSX.

Rows come from catalog metadata only (no dossier is loaded), so a page of a shard of
100,000 dossiers costs one index query and fifty metadata records.
"""
import csv
import io
from urllib.parse import urlencode

from AccessControl import Unauthorized
from archive.content import clock
from archive.content.vocabularies import CHANNELS
from archive.i18n import _
from archive.reports import queries
from archive.workflow.status import DOSSIER_STATE_CODES
from plone import api
from Products.CMFCore.interfaces import ISiteRoot
from Products.CMFPlone.PloneBatch import Batch
from Products.Five.browser import BrowserView
from zope.i18n import translate

DATE = "%d/%m/%Y %H:%M"
PAGE_SIZE = 50
EXPORT_LIMIT = 100000
FORM_KEYS = ("queue", "state", "timeliness", "procedure", "agency", "channel", "start", "end", "due", "overdue",
             "sort_on", "reverse")

COLUMNS = (
    ("code", _("column_code", default="Dossier code")),
    ("applicant", _("column_applicant", default="Applicant")),
    ("procedure", _("column_procedure", default="Procedure")),
    ("received", _("column_received", default="Received")),
    ("due", _("column_due", default="Due")),
    ("state", _("column_state", default="State")),
    ("status_code", _("column_status_code", default="Portal code")),
    ("overdue", _("column_overdue", default="Overdue")),
)


def _local(value):
    if value is None or value == "":
        return None
    if hasattr(value, "asdatetime"):  # DateTime from a metadata column
        value = value.asdatetime()
    return clock.to_local_naive(value)


def _format(value):
    value = _local(value)
    return value.strftime(DATE) if value else ""


def procedure_titles():
    catalog = api.portal.get_tool("portal_catalog")
    return {b.procedure_code: b.Title for b in catalog.searchResults(portal_type="Procedure")}


def state_titles(request):
    workflow = api.portal.get_tool("portal_workflow")
    definition = workflow["archive_dossier_workflow"]
    return {state_id: translate(definition.states[state_id].title, domain="archive", context=request)
            for state_id in DOSSIER_STATE_CODES if state_id in definition.states}


def rows(brains, request, now=None):
    """Plain dicts of the list's columns, from metadata."""
    now = now or clock.now()
    procedures = procedure_titles()
    states = state_titles(request)
    for brain in brains:
        due = _local(brain.due)
        yield {
            "url": brain.getURL(),
            "code": brain.dossier_code or "",
            "applicant": brain.applicant_name or "",
            "procedure_code": brain.procedure_code or "",
            "procedure": procedures.get(brain.procedure_code, brain.procedure_code or ""),
            "received": _format(brain.received),
            "due": _format(brain.due),
            "state_id": brain.review_state,
            "state": states.get(brain.review_state, brain.review_state),
            "status_code": brain.status_code if brain.status_code is not None else "",
            "overdue": bool(due and brain.review_state in queries.ACTIVE_STATES and due < now),
        }


class DossierList(BrowserView):
    """The list page (`@@dossier-list`); its `format` parameter (csv, xlsx) exports every matching row."""

    def __call__(self):
        if api.user.is_anonymous():
            raise Unauthorized("The dossier list is for officers")
        self.errors = {}
        form = {key: self.request.form.get(key) for key in FORM_KEYS if self.request.form.get(key)}
        self.filters = form
        user = api.user.get_current()
        try:
            self.query = queries.dossier_query(form, path="/".join(self.context.getPhysicalPath()),
                                               user_id=user.getId())
        except queries.FilterError as exc:
            self.request.response.setStatus(400)
            self.errors[exc.field] = str(exc)
            self.query = None
        export = self.request.form.get("format")
        if export and self.query is not None:
            if export not in ("csv", "xlsx"):
                self.request.response.setStatus(400)
                self.errors["format"] = "format: one of csv, xlsx"
            else:
                return self.export(export)
        return self.index()

    def t(self, msgid):
        return translate(msgid, domain="archive", context=self.request)

    def heading(self):
        if ISiteRoot.providedBy(self.context):
            return self.t(_("list_title_all", default="Dossiers"))
        return self.context.Title()

    def sort(self):
        sort_on = self.filters.get("sort_on") or "received"
        if sort_on not in queries.SORT_INDEXES:
            sort_on = "received"
        return sort_on, self.filters.get("reverse", "1") == "1"

    def brains(self):
        if self.query is None:
            return []
        sort_on, reverse = self.sort()
        return queries.search(self.query, sort_on=sort_on, reverse=reverse)

    def batch(self):
        b_start = int(self.request.form.get("b_start", 0) or 0)
        return Batch(self.brains(), PAGE_SIZE, b_start, orphan=0)

    def page_rows(self, batch):
        return list(rows(batch, self.request))

    def columns(self):
        sort_on, reverse = self.sort()
        result = []
        for key, title in COLUMNS:
            sortable = {"code": "code", "procedure": "procedure", "received": "received", "due": "due",
                        "state": "state"}.get(key)
            url = None
            if sortable:
                params = dict(self.filters, sort_on=sortable, reverse="0" if (sort_on == sortable and reverse) else "1")
                url = self.url(**params)
            result.append({"key": key, "title": self.t(title), "url": url, "sorted": sortable == sort_on,
                           "reverse": reverse})
        return result

    def url(self, **params):
        params = {k: v for k, v in params.items() if v}
        base = self.context.absolute_url() + "/@@dossier-list"
        return base + ("?" + urlencode(params, doseq=True) if params else "")

    def export_url(self, fmt):
        return self.url(**dict(self.filters, format=fmt))

    def state_options(self):
        return sorted(state_titles(self.request).items(), key=lambda item: DOSSIER_STATE_CODES[item[0]])

    def procedure_options(self):
        catalog = api.portal.get_tool("portal_catalog")
        query = {"portal_type": "Procedure", "sort_on": "procedure_code"}
        agency = getattr(self.context, "agency_code", None)
        if agency:
            query["agency_code"] = agency
        return [(b.procedure_code, f"{b.procedure_code} {b.Title}") for b in catalog.searchResults(**query)]

    def channel_options(self):
        return [(value, self.t(title)) for value, title in CHANNELS]

    def queue_title(self):
        for qid, title, _query, _roles in queries.QUEUES:
            if qid == self.filters.get("queue"):
                return self.t(title)
        return None

    def table(self):
        """Header and rows of the export, in the user's language."""
        header = [self.t(title) for _key, title in COLUMNS]
        header.insert(3, self.t(_("column_procedure_code", default="Procedure code")))
        yes = self.t(_("value_yes", default="Yes"))
        lines = []
        for row in rows(self.brains()[:EXPORT_LIMIT], self.request):
            lines.append([row["code"], row["applicant"], row["procedure"], row["procedure_code"], row["received"],
                          row["due"], row["state"], row["status_code"], yes if row["overdue"] else ""])
        return header, lines

    def filename(self, fmt):
        name = getattr(self.context, "agency_code", None) or self.context.getId()
        return f"ho-so-{name}-{clock.now():%Y%m%d-%H%M}.{fmt}"

    def export(self, fmt):
        header, lines = self.table()
        response = self.request.response
        if fmt == "csv":
            out = io.StringIO()
            writer = csv.writer(out)
            writer.writerow(header)
            writer.writerows(lines)
            body = ("\ufeff" + out.getvalue()).encode("utf-8")  # BOM: spreadsheet programs read UTF-8
            response.setHeader("Content-Type", "text/csv; charset=utf-8")
        else:
            from openpyxl import Workbook

            book = Workbook(write_only=True)
            sheet = book.create_sheet(self.t(_("sheet_dossiers", default="Dossiers")))
            sheet.append(header)
            for line in lines:
                sheet.append(line)
            out = io.BytesIO()
            book.save(out)
            body = out.getvalue()
            response.setHeader("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        response.setHeader("Content-Disposition", f'attachment; filename="{self.filename(fmt)}"')
        return body


def dossier_folder_added(folder, event):
    """The dossiers section and its agency shards open on their dossier list."""
    if event.newParent is None or event.oldParent is not None:
        return
    parent = event.newParent
    in_section = getattr(parent, "getId", lambda: None)() == "dossiers" and parent.portal_type == "ArchiveFolder"
    if folder.getId() == "dossiers" or in_section:
        folder.setLayout("dossier-list")
