"""Search over REST: @archive-search (facets, highlights, totals) and plone.restapi's
@search answered by Elasticsearch; both restricted as archive.search.service explains,
and HTTP 503 with a message when the index cannot answer."""
from plone.restapi.interfaces import ISerializeToJson
from plone.restapi.search.handler import SearchHandler
from plone.restapi.search.utils import unflatten_dotted_dict
from plone.restapi.services import Service
from Products.CMFCore.utils import getToolByName
from zope.component import getMultiAdapter
from ZTUtils.Lazy import Lazy

from archive.search import query as es_query
from archive.search import service
from archive.search.client import SearchClient
from archive.search.client import SearchError
from archive.search.client import SearchUnavailable
from archive.search.mapping import alias_name
from archive.search.outbox import SEARCHED_TYPES
from archive.search.settings import get_settings


class ArchiveSearchGet(Service):
    def reply(self):
        try:
            answer = service.archive_search(self.context, self.request.form)
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


class SearchGet(Service):
    """@search with plone.restapi's request and response shapes, answered by Elasticsearch
    when it is configured and the query is one it can answer (full text over the indexed
    archive types); otherwise by the catalog, as stock Plone does."""

    def reply(self):
        query = unflatten_dotted_dict(self.request.form.copy())
        settings = get_settings()
        types = query.get("portal_type")
        types = [types] if isinstance(types, str) else (types or [])
        answerable = (
            settings.enabled and query.get("SearchableText") and set(query) <= ES_PARAMS
            and types and set(types) <= set(SEARCHED_TYPES)
        )
        if not answerable:
            return SearchHandler(self.context, self.request).search(query)
        try:
            results = self._elastic(query, settings)
        except (SearchUnavailable, SearchError) as exc:
            if settings.catalog_fallback:
                answer = SearchHandler(self.context, self.request).search(query)
                if isinstance(answer, dict):
                    answer["degraded"] = True
                return answer
            self.request.response.setStatus(503)
            return {"error": {"type": "SearchUnavailable",
                              "message": f"The search index is unavailable: {exc}. Try again later."}}
        serializer = getMultiAdapter((results, self.request), ISerializeToJson)
        return serializer(fullobjects=bool(query.get("fullobjects")))

    def _elastic(self, query, settings):
        catalog = getToolByName(self.context, "portal_catalog")
        principals, show_inactive = service.user_filter(self.context)
        params = {RENAMED.get(k, k): v for k, v in query.items() if k not in ("metadata_fields", "fullobjects", "b_start", "b_size")}
        if isinstance(params.get("path"), dict):
            params["path"] = params["path"].get("query")
        client = SearchClient(settings.url)
        alias = alias_name(settings.prefix)
        page_size = int(query.get("b_size", 25))

        def es_page(start, size):
            body = es_query.build_query({**params, "b_start": start, "b_size": size}, principals,
                                        show_inactive=show_inactive, facets=False, highlight=False, source=["uid"],
                                        track_total_hits=False)
            return [hit["uid"] for hit in es_query.parse_response(client.search(alias, body))["items"]]

        first = es_query.build_query({**params, "b_start": 0, "b_size": 0}, principals,
                                     show_inactive=show_inactive, facets=False, highlight=False, source=["uid"])
        total = es_query.parse_response(client.search(alias, first))["total"]
        return ElasticResults(catalog, es_page, total, page_size)
