"""REST side of the search outbox: workers fetch pending documents and acknowledge them."""
import json

from plone.restapi.deserializer import json_body
from plone.restapi.services import Service
from Products.CMFCore.utils import getToolByName
from zope.interface import alsoProvides

import plone.protect.interfaces

from archive.search import outbox
from archive.search.documents import catalog_documents
from archive.search.documents import catalog_rids

MAX_BATCH = 5000


class CompactService(Service):
    """A service whose (large) answer is compact JSON: plone.restapi indents and sorts keys,
    which takes the pure-Python encoder, about twice as slow for a batch of documents."""

    def render(self):
        self.check_permission()
        content = self.reply()
        self.request.response.setHeader("Content-Type", self.content_type)
        return json.dumps(content)


def _documents(site, entries):
    """One catalog query for a whole batch: {uid: (document, version)} for the ``(uid, entry)``
    pairs whose item still exists (from the values the entry noted, if it did)."""
    if not entries:
        return {}
    catalog = getToolByName(site, "portal_catalog")
    written = {uid: (entry["values"], entry["version"]) for uid, entry in entries if "values" in entry}
    rids = catalog_rids(catalog, [uid for uid, entry in entries])
    return {uid: (doc, version) for uid, doc, version in catalog_documents(catalog, rids, written)}


class OutboxGet(CompactService):
    """GET @search-outbox?limit=N[&after=UID]: the pending entries (those after UID, so a
    worker can fetch the next batch before acknowledging this one) with the current
    document of each."""

    def reply(self):
        limit = min(int(self.request.form.get("limit", 500)), MAX_BATCH)
        items = []
        entries = outbox.pending(limit, self.context, after=self.request.form.get("after") or None)
        found = _documents(self.context, [(uid, entry) for uid, entry in entries if entry["action"] == "index"])
        for uid, entry in entries:
            item = {"uid": uid, "stamp": entry["stamp"], "action": entry["action"], "path": entry["path"]}
            document = found.get(uid) if entry["action"] == "index" else None
            if document is None:
                item["action"] = "delete"
            else:
                item["doc"], item["version"] = document
            items.append(item)
        stored = outbox.outbox(self.context, create=False)
        return {"items": items, "pending": len(stored) if stored is not None else 0}


class OutboxAcknowledge(Service):
    """POST @search-outbox {"done": [[uid, stamp], ...]}: forget what the index now holds."""

    def reply(self):
        alsoProvides(self.request, plone.protect.interfaces.IDisableCSRFProtection)
        pairs = [tuple(pair) for pair in json_body(self.request).get("done", [])]
        return {"removed": outbox.acknowledge(pairs, self.context)}


class Inventory(CompactService):
    """GET @search-inventory?b_start=0&b_size=1000[&documents=1][&uids=a,b]: every searched
    item (or the given ones) with its modification time in seconds, optionally with its
    document — for reconcile and reindex."""

    def reply(self):
        start = int(self.request.form.get("b_start", 0))
        size = min(int(self.request.form.get("b_size", 1000)), 5000)
        with_documents = self.request.form.get("documents") in ("1", "true")
        catalog = getToolByName(self.context, "portal_catalog")
        query = {"portal_type": list(outbox.SEARCHED_TYPES), "sort_on": "UID"}
        if self.request.form.get("uids"):
            query["UID"] = self.request.form["uids"].split(",")
        brains = catalog.unrestrictedSearchResults(**query)
        page = brains[start:start + size]
        if with_documents:
            rids = [brain.getRID() for brain in page]
            items = [{"uid": uid, "modified": version // 1000, "doc": doc, "version": version}
                     for uid, doc, version in catalog_documents(catalog, rids)]
        else:
            items = [{"uid": brain.UID, "modified": int(brain.modified.timeTime())} for brain in page]
        return {"items": items, "items_total": len(brains)}
