"""@archive-search: full-text search with facets and highlights, answered by Elasticsearch.

Always restricted to what the current user may see (their allowedRolesAndUsers), and to
items inside their effective/expiry window unless the user may see inactive content.
If Elasticsearch fails the answer is HTTP 503 with a message, or — only when the site
enables `archive.search.catalog_fallback` — a catalog answer that is equally restricted
and says it is degraded.
"""
from AccessControl import getSecurityManager
from plone.restapi.services import Service
from Products.CMFCore.permissions import AccessInactivePortalContent
from Products.CMFCore.utils import getToolByName

from archive.search import query
from archive.search.client import SearchClient
from archive.search.client import SearchError
from archive.search.client import SearchUnavailable
from archive.search.mapping import alias_name
from archive.search.settings import get_settings

PARAMS = ("SearchableText", "portal_type", "review_state", "agency", "procedure", "year",
          "sort_on", "sort_order", "b_start", "b_size")


class ArchiveSearchGet(Service):
    def reply(self):
        settings = get_settings()
        params = {k: v for k, v in self.request.form.items() if k in PARAMS}
        catalog = getToolByName(self.context, "portal_catalog")
        user = getSecurityManager().getUser()
        principals = catalog._listAllowedRolesAndUsers(user)
        show_inactive = getSecurityManager().checkPermission(AccessInactivePortalContent, self.context)
        if not settings.enabled:
            return self._catalog(params, degraded=False)
        try:
            body = query.build_query(params, principals, show_inactive=bool(show_inactive))
            response = SearchClient(settings.url).search(alias_name(settings.prefix), body)
        except (SearchUnavailable, SearchError) as exc:
            if settings.catalog_fallback:
                return self._catalog(params, degraded=True)
            self.request.response.setStatus(503)
            return {"error": {"type": "SearchUnavailable",
                              "message": f"The search index is unavailable: {exc}. Try again later."}}
        parsed = query.parse_response(response)
        portal_url = self.context.absolute_url()
        site_path = "/".join(self.context.getPhysicalPath())
        items = []
        for hit in parsed["items"]:
            source = hit.get("source") or {}
            path = source.get("path", "")
            items.append({
                "@id": portal_url + path[len(site_path):],
                "@type": source.get("portal_type"),
                "UID": hit["uid"],
                "title": source.get("title"),
                "review_state": source.get("review_state"),
                "score": hit["score"],
                "highlights": hit["highlights"],
            })
        return {"@id": self.request["ACTUAL_URL"], "items": items, "items_total": parsed["total"],
                "facets": parsed["facets"], "degraded": False}

    def _catalog(self, params, degraded):
        """The ZCatalog answer: restricted by the catalog's own security filter."""
        catalog = getToolByName(self.context, "portal_catalog")
        query_ = {k: params[k] for k in ("SearchableText", "portal_type", "review_state") if k in params}
        brains = catalog.searchResults(**query_)
        size = int(params.get("b_size", 25))
        items = [{"@id": b.getURL(), "@type": b.portal_type, "UID": b.UID, "title": b.Title,
                  "review_state": b.review_state} for b in brains[: size]]
        return {"@id": self.request["ACTUAL_URL"], "items": items, "items_total": len(brains),
                "facets": {}, "degraded": degraded}
