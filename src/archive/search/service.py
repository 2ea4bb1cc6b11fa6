"""Answering a full-text search for the current user: Elasticsearch, or the catalog.

Shared by the @archive-search REST endpoint and the site's search page. Results are
always limited to the user's allowedRolesAndUsers and, unless the user may see inactive
content, to the effective/expiry window. If Elasticsearch fails, `Unavailable` is raised,
unless the site enables `archive.search.catalog_fallback`: then the catalog answers,
restricted the same way, and the answer says it is degraded. Every answer names its `engine`. A parameter that cannot be
read (query syntax, batching, sorting) raises `BadParameter` naming it, whichever engine answers.
"""
from AccessControl import getSecurityManager
from Products.CMFCore.permissions import AccessInactivePortalContent
from Products.CMFCore.utils import getToolByName

from archive.search import query as es_query
from archive.search.client import SearchClient
from archive.search.client import SearchError
from archive.search.client import SearchUnavailable
from archive.search.mapping import alias_name
from archive.search import syntax
from archive.search.settings import get_settings
from archive.search.syntax import BadParameter  # noqa: F401 - callers catch it from here

PARAMS = ("SearchableText", "portal_type", "review_state", "agency", "procedure", "year",
          "sort_on", "sort_order", "b_start", "b_size")


class Unavailable(Exception):
    """The search index cannot answer and the site does not allow a catalog answer."""


def user_filter(site):
    catalog = getToolByName(site, "portal_catalog")
    security = getSecurityManager()
    principals = catalog._listAllowedRolesAndUsers(security.getUser())
    return principals, bool(security.checkPermission(AccessInactivePortalContent, site))


def archive_search(site, form):
    params = {k: v for k, v in form.items() if k in PARAMS and v not in ("", None)}
    settings = get_settings()
    if not settings.enabled:
        return _catalog(site, params, degraded=False)
    principals, show_inactive = user_filter(site)
    try:
        body = es_query.build_query(params, principals, show_inactive=show_inactive)
        response = SearchClient(settings.url).search(alias_name(settings.prefix), body)
    except (SearchUnavailable, SearchError) as exc:
        if settings.catalog_fallback:
            return _catalog(site, params, degraded=True)
        raise Unavailable(f"The search index is unavailable: {exc}. Try again later.") from exc
    parsed = es_query.parse_response(response)
    portal_url = site.absolute_url()
    site_path = "/".join(site.getPhysicalPath())
    items = []
    for hit in parsed["items"]:
        source = hit.get("source") or {}
        items.append({
            "@id": portal_url + source.get("path", "")[len(site_path):],
            "@type": source.get("portal_type"),
            "UID": hit["uid"],
            "title": source.get("title"),
            "review_state": source.get("review_state"),
            # A document's number and notation (its first code) and the day it was issued or received.
            "number_notation": (source.get("legal_codes") or [None])[0],
            "issued": source.get("issued"),
            "score": hit["score"],
            "highlights": hit["highlights"],
        })
    return {"items": items, "items_total": parsed["total"], "facets": parsed["facets"],
            "engine": "elasticsearch", "degraded": False}


def _catalog(site, params, degraded):
    """The ZCatalog answer: restricted by the catalog's own security filter."""
    catalog = getToolByName(site, "portal_catalog")
    catalog_query = {k: params[k] for k in ("SearchableText", "portal_type", "review_state") if k in params}
    syntax.parse(catalog_query.get("SearchableText"))
    start = es_query.batch_number(params, "b_start", 0)
    size = min(es_query.batch_number(params, "b_size", es_query.DEFAULT_B_SIZE), es_query.MAX_B_SIZE)
    try:
        brains = catalog.searchResults(**catalog_query)
    except syntax.CATALOG_ERRORS as exc:
        raise syntax.syntax_error() from exc
    items = [{"@id": b.getURL(), "@type": b.portal_type, "UID": b.UID, "title": b.Title,
              "review_state": b.review_state, "highlights": {}} for b in brains[start:start + size]]
    return {"items": items, "items_total": len(brains), "facets": {}, "engine": "catalog",
            "degraded": degraded}
