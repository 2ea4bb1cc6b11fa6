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


def _find(site, uid):
    catalog = getToolByName(site, "portal_catalog")
    brains = catalog.unrestrictedSearchResults(UID=uid)
    return brains[0]._unrestrictedGetObject() if brains else None


class OutboxGet(Service):
    """GET @search-outbox?limit=N: the pending entries with the current document of each."""

    def reply(self):
        limit = min(int(self.request.form.get("limit", 500)), MAX_BATCH)
        items = []
        for uid, entry in outbox.pending(limit, self.context):
            item = {"uid": uid, "stamp": entry["stamp"], "action": entry["action"], "path": entry["path"]}
            obj = _find(self.context, uid) if entry["action"] == "index" else None
            if obj is None:
                item["action"] = "delete"
            else:
                item["doc"] = document_for(obj)
                item["version"] = modified_version(obj)
            items.append(item)
        entries = outbox.outbox(self.context, create=False)
        return {"items": items, "pending": len(entries) if entries is not None else 0}


class OutboxAcknowledge(Service):
    """POST @search-outbox {"done": [[uid, stamp], ...]}: forget what the index now holds."""

    def reply(self):
        alsoProvides(self.request, plone.protect.interfaces.IDisableCSRFProtection)
        pairs = [tuple(pair) for pair in json_body(self.request).get("done", [])]
        return {"removed": outbox.acknowledge(pairs, self.context)}
