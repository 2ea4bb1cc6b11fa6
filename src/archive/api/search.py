"""Search over REST: @archive-search (facets, highlights, totals) and plone.restapi's
@search answered by Elasticsearch; both restricted as archive.search.service explains,
HTTP 503 with a message when the index cannot answer, and HTTP 400 naming the parameter
that cannot be read (query syntax, batching, sorting, a number) whichever engine answers."""
from plone.restapi.interfaces import ISerializeToJson
from plone.restapi.search.handler import SearchHandler
from plone.restapi.search.utils import unflatten_dotted_dict
from plone.restapi.services import Service
from Products.CMFCore.utils import getToolByName
from zope.component import getMultiAdapter
from zope.i18n import translate
from ZTUtils.Lazy import Lazy

from archive.i18n import _
from archive.search import query as es_query
from archive.search import service
from archive.search import syntax
from archive.search.client import SearchClient
from archive.search.client import SearchError
from archive.search.client import SearchUnavailable
from archive.search.mapping import alias_name
from archive.search.outbox import SEARCHED_TYPES
from archive.search.settings import get_settings


def bad_parameter(request, problem):
    """The 400 answer for a parameter that cannot be read, in plone.restapi's error shape."""
    request.response.setStatus(400)
    return {"error": {"type": "BadRequest", "field": problem.name,
                      "message": translate(problem.message, context=request)}}


class ArchiveSearchGet(Service):
    def reply(self):
        try:
            answer = service.archive_search(self.context, self.request.form)
        except service.BadParameter as problem:
            return bad_parameter(self.request, problem)
        except service.Unavailable as exc:
            self.request.response.setStatus(503)
            return {"error": {"type": "SearchUnavailable", "message": str(exc)}}
        return {"@id": self.request["ACTUAL_URL"], **answer}


class ElasticResults(Lazy):
    """A catalog-like lazy sequence whose order and total come from Elasticsearch and whose
    items are the catalog brains of those UIDs, fetched with the user's own restrictions
    (a stale index can never widen what a user sees)."""

    def __init__(self, catalog, es_page, total, page_size):
        self._catalog = catalog
        self._es_page = es_page
        self._len = self.actual_result_count = total
        self._size = max(page_size, 1)
        self._pages = {}

    def __len__(self):
        return self._len

    def _page(self, number):
        if number not in self._pages:
            uids = self._es_page(number * self._size, self._size)
            brains = {b.UID: b for b in self._catalog.searchResults(UID=uids)} if uids else {}
            self._pages[number] = [brains[uid] for uid in uids if uid in brains]
        return self._pages[number]

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(self._len))]
        if index < 0:
            index += self._len
        if not 0 <= index < self._len:
            raise IndexError(index)
        page = self._page(index // self._size)
        offset = index % self._size
        if offset >= len(page):
            raise IndexError(index)
        return page[offset]


# plone.restapi @search parameters Elasticsearch answers; anything else goes to the catalog.
ES_PARAMS = {"SearchableText", "portal_type", "review_state", "sort_on", "sort_order", "b_start", "b_size",
             "metadata_fields", "fullobjects", "agency_code", "procedure_code", "path"}
RENAMED = {"agency_code": "agency", "procedure_code": "procedure"}
# Catalog indexes holding integers: a query string's text is turned into numbers for them.
INTEGER_INDEXES = ("status_code",)


def integer_values(query, name):
    """`query[name]` (a value, a list, or restapi's {"query": ...}) with its values as integers."""
    value = query[name]
    inner = value.get("query") if isinstance(value, dict) else value
    try:
        if isinstance(inner, (list, tuple)):
            inner = [int(v) for v in inner]
        elif inner is not None:
            inner = int(inner)
    except (TypeError, ValueError):
        raise syntax.BadParameter(name, _("search_error_integer_index", default="${name}: a whole number.",
                                          mapping={"name": name}))
    return {**value, "query": inner} if isinstance(value, dict) else inner


class SearchGet(Service):
    """@search with plone.restapi's request and response shapes, answered by Elasticsearch
    when it is configured and the query is one it can answer (full text over the indexed
    archive types); otherwise by the catalog, as stock Plone does. The answer names its
    `engine`, and says `degraded` when the catalog stood in for Elasticsearch."""

    def reply(self):
        query = unflatten_dotted_dict(self.request.form.copy())
        try:
            for name in INTEGER_INDEXES:
                if name in query:
                    query[name] = integer_values(query, name)
            syntax.parse(query["SearchableText"] if "SearchableText" in query else None)
            return self._search(query)
        except syntax.BadParameter as problem:
            return bad_parameter(self.request, problem)

    def _catalog(self, query):
        try:
            answer = SearchHandler(self.context, self.request).search(query)
        except syntax.CATALOG_ERRORS as exc:
            raise syntax.syntax_error() from exc
        if isinstance(answer, dict):
            answer["engine"] = "catalog"
        return answer

    def _search(self, query):
        settings = get_settings()
        types = query.get("portal_type")
        types = [types] if isinstance(types, str) else (types or [])
        answerable = (
            settings.enabled and query.get("SearchableText") and set(query) <= ES_PARAMS
            and types and set(types) <= set(SEARCHED_TYPES)
        )
        if not answerable:
            return self._catalog(query)
        try:
            results = self._elastic(query, settings)
        except (SearchUnavailable, SearchError) as exc:
            if settings.catalog_fallback:
                answer = self._catalog(query)
                if isinstance(answer, dict):
                    answer["degraded"] = True
                return answer
            self.request.response.setStatus(503)
            return {"error": {"type": "SearchUnavailable",
                              "message": f"The search index is unavailable: {exc}. Try again later."}}
        serializer = getMultiAdapter((results, self.request), ISerializeToJson)
        answer = serializer(fullobjects=bool(query.get("fullobjects")))
        answer["engine"] = "elasticsearch"
        return answer

    def _elastic(self, query, settings):
        catalog = getToolByName(self.context, "portal_catalog")
        principals, show_inactive = service.user_filter(self.context)
        params = {RENAMED.get(k, k): v for k, v in query.items() if k not in ("metadata_fields", "fullobjects", "b_start", "b_size")}
        if isinstance(params.get("path"), dict):
            params["path"] = params["path"].get("query")
        client = SearchClient(settings.url)
        alias = alias_name(settings.prefix)
        page_size = es_query.batch_number(query, "b_size", es_query.DEFAULT_B_SIZE)

        def es_page(start, size):
            body = es_query.build_query({**params, "b_start": start, "b_size": size}, principals,
                                        show_inactive=show_inactive, facets=False, highlight=False, source=["uid"],
                                        track_total_hits=False)
            return [hit["uid"] for hit in es_query.parse_response(client.search(alias, body))["items"]]

        first = es_query.build_query({**params, "b_start": 0, "b_size": 0}, principals,
                                     show_inactive=show_inactive, facets=False, highlight=False, source=["uid"])
        total = es_query.parse_response(client.search(alias, first))["total"]
        return ElasticResults(catalog, es_page, total, page_size)
