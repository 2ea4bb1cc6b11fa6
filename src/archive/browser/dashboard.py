"""The centre dashboard (`@@dashboard`): the figures of archive.reports.statistics per agency or
procedure and period, a chart, drill-down links to the dossier lists and a CSV export."""
import csv
import io
import json
from urllib.parse import urlencode

from AccessControl import Unauthorized
from archive.content import clock
from archive.i18n import _
from archive.reports import queries
from archive.reports import statistics
from plone import api
from Products.Five.browser import BrowserView
from zope.i18n import translate

FIGURE_TITLES = {
    "received": _("figure_received", default="Received"),
    "finished": _("figure_finished", default="Finished"),
    "early": _("figure_early", default="Early"),
    "on_time": _("figure_on_time", default="On time"),
    "late": _("figure_late", default="Late"),
    "overdue": _("figure_overdue", default="Overdue"),
    "supplement": _("figure_supplement", default="In supplement"),
    "online": _("figure_online", default="Online"),
    "on_time_rate": _("figure_on_time_rate", default="On-time rate (%)"),
    "digitisation_rate": _("figure_digitisation_rate", default="Digitisation rate (%)"),
    "online_rate": _("figure_online_rate", default="Online rate (%)"),
}
RATES = ("on_time_rate", "digitisation_rate", "online_rate")
GROUP_TITLES = {"agency": _("group_agency", default="Agency"), "procedure": _("group_procedure", default="Procedure")}


class Dashboard(BrowserView):

    def __call__(self):
        if api.user.is_anonymous():
            raise Unauthorized("The dashboard is for officers")
        self.error = None
        form = {k: self.request.form.get(k) for k in ("group", "start", "end", "agency", "procedure", "channel")}
        try:
            self.data = statistics.dashboard(form)
        except queries.FilterError as exc:
            self.request.response.setStatus(400)
            self.error = str(exc)
            self.data = {"grouping": "agency", "filters": {}, "total": None, "rows": []}
        if self.request.form.get("format") == "csv" and self.error is None:
            return self.csv()
        return self.index()

    def t(self, msgid):
        return translate(msgid, domain="archive", context=self.request)

    def figure_keys(self):
        return statistics.FIGURES + RATES

    def headers(self):
        return [{"key": key, "title": self.t(FIGURE_TITLES[key])} for key in self.figure_keys()]

    def group_title(self):
        return self.t(GROUP_TITLES[self.data["grouping"]])

    def list_url(self, params, figure):
        params = dict(params)
        extra = statistics.FIGURE_FILTERS.get(figure, {})
        params.update(extra)
        return api.portal.get().absolute_url() + "/@@dossier-list?" + urlencode(params, doseq=True)

    def cells(self, figures, params):
        result = []
        for key in self.figure_keys():
            value = figures[key]
            url = self.list_url(params, key) if key in statistics.FIGURE_FILTERS else None
            result.append({"key": key, "value": "" if value is None else value, "url": url})
        return result

    def self_url(self, **params):
        params = {k: v for k, v in dict(self.data["filters"], group=self.data["grouping"], **params).items() if v}
        return api.portal.get().absolute_url() + "/@@dashboard?" + urlencode(params)

    def chart_data(self):
        """JSON for static/dashboard.js (read from a data attribute: no inline script)."""
        rows = self.data["rows"]
        series = ("received", "finished", "early", "on_time", "late", "overdue")
        return json.dumps({
            "labels": [row["code"] for row in rows],
            "titles": [row["title"] for row in rows],
            "datasets": [{"label": self.t(FIGURE_TITLES[key]), "key": key,
                          "data": [row["figures"][key] for row in rows]} for key in series],
        }, ensure_ascii=False)

    def csv(self):
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow([self.t(_("column_code_generic", default="Code")), self.group_title()]
                        + [h["title"] for h in self.headers()])
        for row in self.data["rows"]:
            writer.writerow([row["code"], row["title"]]
                            + ["" if row["figures"][k] is None else row["figures"][k] for k in self.figure_keys()])
        total = self.data["total"]
        writer.writerow(["", self.t(_("row_total", default="Total"))]
                        + ["" if total[k] is None else total[k] for k in self.figure_keys()])
        response = self.request.response
        response.setHeader("Content-Type", "text/csv; charset=utf-8")
        response.setHeader("Content-Disposition",
                           f'attachment; filename="thong-ke-{self.data["grouping"]}-{clock.now():%Y%m%d-%H%M}.csv"')
        return ("\ufeff" + out.getvalue()).encode("utf-8")
