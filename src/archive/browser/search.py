"""The search page: full text with facets and highlighted snippets, in the site's language."""
import html
import json
from urllib.parse import urlencode

from plone import api
from plone.memoize.view import memoize
from Products.CMFPlone.browser.search import AjaxSearch as PloneAjaxSearch
from Products.Five.browser import BrowserView
from zope.i18n import translate

from archive.content import lookup
from archive.i18n import _
from archive.search import service
from archive.search.query import DEFAULT_B_SIZE
from archive.search.query import MAX_B_SIZE

# Types whose workflow states the search shows.
SEARCHED_TYPES = ("Dossier", "Result", "LegalDocument")

FACET_TITLES = {
    "portal_type": _("facet_type", default="Type"),
    "review_state": _("facet_state", default="State"),
    "agency": _("facet_agency", default="Agency"),
    "procedure": _("facet_procedure", default="Procedure"),
    "year": _("facet_year", default="Year"),
}


class SearchPage(BrowserView):
    def update(self):
        self.search_text = self.request.form.get("SearchableText", "").strip()
        self.search_error = None
        self.search_answer = {"items": [], "items_total": 0, "facets": {}, "degraded": False}
        if not self.search_text:
            return
        try:
            self.search_answer = service.archive_search(self.context, self.request.form)
        except service.BadParameter as problem:
            self.request.response.setStatus(400)
            self.search_error = translate(problem.message, context=self.request)
        except service.Unavailable as exc:
            self.request.response.setStatus(503)
            self.search_error = str(exc)

    def __call__(self):
        self.update()
        return self.index()

    def facet_groups(self):
        """[(title, [(value, count, url, selected)])] for the facets with more than nothing."""
        form = {k: v for k, v in self.request.form.items() if k in service.PARAMS and v}
        result = []
        for field, buckets in self.search_answer["facets"].items():
            entries = []
            for bucket in buckets:
                value = str(bucket["value"])
                selected = str(form.get(field, "")) == value
                query = dict(form)
                if selected:
                    query.pop(field, None)
                else:
                    query[field] = value
                url = f"{self.context.absolute_url()}/@@archive-search?{urlencode(query)}"
                entries.append((self.label(field, value), bucket["count"], url, selected))
            if entries:
                result.append((FACET_TITLES.get(field, field), entries))
        return result

    def pager(self):
        """(page, pages, previous URL or None, next URL or None) over the answer's batches."""
        form = {k: v for k, v in self.request.form.items() if k in service.PARAMS and v}
        try:
            start = max(int(form.get("b_start") or 0), 0)
            size = min(max(int(form.get("b_size") or DEFAULT_B_SIZE), 1), MAX_B_SIZE)
        except ValueError:  # the search itself has answered 400 naming the parameter
            return None
        total = self.search_answer["items_total"]
        if total <= size:
            return None

        def url(at):
            return f"{self.context.absolute_url()}/@@archive-search?{urlencode(dict(form, b_start=at, b_size=size))}"

        previous = url(max(start - size, 0)) if start > 0 else None
        following = url(start + size) if start + size < total else None
        return start // size + 1, (total + size - 1) // size, previous, following

    @memoize
    def label(self, field, value):
        """A facet value as officers name it: the type's and the state's titles in the page's
        language, the agency's and the procedure's names with their codes."""
        if field == "portal_type":
            fti = api.portal.get_tool("portal_types").getTypeInfo(value)
            if fti is not None:
                return translate(fti.Title(), domain=fti.i18n_domain or "plone", context=self.request)
        elif field == "review_state":
            workflow = api.portal.get_tool("portal_workflow")
            for portal_type in SEARCHED_TYPES:
                title = workflow.getTitleForStateOnType(value, portal_type)
                if title != value:
                    return translate(title, domain="plone", context=self.request)
        elif field in ("agency", "procedure"):
            record = (lookup.agency_by_code if field == "agency" else lookup.procedure_by_code)(value)
            if record is not None:
                return f"{record.Title()} ({value})"
        return value

    def reference(self, item):
        """'Số 04/2025/QĐ-UBND ngày 01/03/2025' for a hit with a number and an issue date."""
        number, issued = item.get("number_notation"), (item.get("issued") or "")[:10]
        if not number:
            return ""
        if len(issued) == 10:
            day = f"{issued[8:10]}/{issued[5:7]}/{issued[:4]}"
            return translate(_("hit_reference", default="No. ${number} of ${day}",
                               mapping={"number": number, "day": day}), context=self.request)
        return translate(_("hit_number", default="No. ${number}", mapping={"number": number}), context=self.request)

    def snippet(self, item):
        highlights = item.get("highlights") or {}
        for field in ("text", "text_folded", "title", "title_folded", "description"):
            if highlights.get(field):
                return " … ".join(highlights[field])
        return ""


class SiteSearch(BrowserView):
    """Plone's own search box lands on the archive's search page, with the same query: one
    search for the archive, answered by Elasticsearch when it is configured (restricted to
    what the user may see, with facets and highlights) and by the catalog otherwise."""

    def __call__(self):
        query = {k: v for k, v in self.request.form.items() if k in service.PARAMS and v}
        target = f"{self.context.absolute_url()}/@@archive-search"
        if query:
            target += "?" + urlencode(query, doseq=True)
        return self.request.response.redirect(target)


class AjaxSearch(PloneAjaxSearch):
    """Plone's live search (@@ajax-search) with its titles and descriptions HTML-escaped
    and served as JSON: an applicant's name such as `<img onerror=...>` stays text."""

    def __call__(self):
        answer = json.loads(super().__call__())
        for item in answer["items"]:
            for key in ("title", "description"):
                if isinstance(item.get(key), str):
                    item[key] = html.escape(item[key])
        self.request.response.setHeader("Content-Type", "application/json; charset=utf-8")
        return json.dumps(answer)
