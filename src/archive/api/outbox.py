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
    """GET @search-inventory?b_size=1000[&after=UID][&documents=1][&uids=a,b] (or b_start=N
    instead of after): every searched item (or the given ones) in UID order with its
    modification time in seconds, optionally with its document — for reconcile and reindex."""

    def reply(self):
        size = min(int(self.request.form.get("b_size", 1000)), 5000)
        with_documents = self.request.form.get("documents") in ("1", "true")
        catalog = getToolByName(self.context, "portal_catalog")
        after = self.request.form.get("after")
        if after is not None and not self.request.form.get("uids"):
            rids = _searched_after(catalog, after or None, size)
            total = _searched_total(catalog)
        else:
            start = int(self.request.form.get("b_start", 0))
            query = {"portal_type": list(outbox.SEARCHED_TYPES), "sort_on": "UID"}
            if self.request.form.get("uids"):
                query["UID"] = self.request.form["uids"].split(",")
            brains = catalog.unrestrictedSearchResults(**query)
            rids = [brain.getRID() for brain in brains[start:start + size]]
            total = len(brains)
        if with_documents:
            items = [{"uid": uid, "modified": version // 1000, "doc": doc, "version": version}
                     for uid, doc, version in catalog_documents(catalog, rids)]
        else:
            brains = [catalog._catalog[rid] for rid in rids]
            items = [{"uid": brain.UID, "modified": int(brain.modified.timeTime())} for brain in brains]
        return {"items": items, "items_total": total}


def _searched_after(catalog, after, size):
    """Record ids of up to ``size`` searched items in UID order after ``after``: a walk along
    the UID index from there, not a sort of every searched item for each page."""
    record = catalog._catalog
    by_uid = record.getIndex("UID")._index
    types = record.getIndex("portal_type")._unindex
    wanted = set(outbox.SEARCHED_TYPES)
    selected = by_uid.items(min=after, excludemin=True) if after else by_uid.items()
    rids = []
    for _uid, rid in selected:
        if types.get(rid) in wanted:
            rids.append(rid)
            if len(rids) >= size:
                break
    return rids


def _searched_total(catalog):
    """How many searched items there are: the sizes of their rows in the portal_type index
    (what a catalog query for those types counts, without building its result each page)."""
    by_type = catalog._catalog.getIndex("portal_type")._index
    total = 0
    for portal_type in outbox.SEARCHED_TYPES:
        rids = by_type.get(portal_type)
        if rids is not None:
            total += 1 if isinstance(rids, int) else len(rids)
    return total

