"""REST side of the search outbox: workers fetch pending documents and acknowledge them."""
from plone.restapi.deserializer import json_body
from plone.restapi.services import Service
from Products.CMFCore.utils import getToolByName
from zope.interface import alsoProvides

import plone.protect.interfaces

from archive.search import outbox
from archive.search.documents import document_for
from archive.search.documents import modified_version

MAX_BATCH = 1000


def _find_all(site, uids):
    """One catalog query for a whole batch: {uid: object} for those that still exist."""
    if not uids:
        return {}
    catalog = getToolByName(site, "portal_catalog")
    return {b.UID: b._unrestrictedGetObject() for b in catalog.unrestrictedSearchResults(UID=list(uids))}


class OutboxGet(Service):
    """GET @search-outbox?limit=N: the pending entries with the current document of each."""

    def reply(self):
        limit = min(int(self.request.form.get("limit", 500)), MAX_BATCH)
        items = []
        entries = outbox.pending(limit, self.context)
        found = _find_all(self.context, [uid for uid, entry in entries if entry["action"] == "index"])
        for uid, entry in entries:
            item = {"uid": uid, "stamp": entry["stamp"], "action": entry["action"], "path": entry["path"]}
            obj = found.get(uid) if entry["action"] == "index" else None
            if obj is None:
                item["action"] = "delete"
            else:
                item["doc"] = document_for(obj)
                item["version"] = modified_version(obj)
            items.append(item)
        stored = outbox.outbox(self.context, create=False)
        return {"items": items, "pending": len(stored) if stored is not None else 0}


class OutboxAcknowledge(Service):
    """POST @search-outbox {"done": [[uid, stamp], ...]}: forget what the index now holds."""

    def reply(self):
        alsoProvides(self.request, plone.protect.interfaces.IDisableCSRFProtection)
        pairs = [tuple(pair) for pair in json_body(self.request).get("done", [])]
        return {"removed": outbox.acknowledge(pairs, self.context)}


class Inventory(Service):
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
        items = []
        for brain in brains[start:start + size]:
            item = {"uid": brain.UID, "modified": int(brain.modified.timeTime())}
            if with_documents:
                obj = brain._unrestrictedGetObject()
                item["doc"] = document_for(obj)
                item["version"] = modified_version(obj)
            items.append(item)
        return {"items": items, "items_total": len(brains)}
