"""GET @relations and @linkintegrity that say nothing about items the caller may not see.

plone.restapi's versions look a `source`, `target` or `uids` item up with restricted
traversal, so an item the caller may not see answers 401 with its id in the message (and
an unknown one 404, or 500 for @linkintegrity): an anonymous caller learns which UIDs exist
and where. Here an item the caller may not view is answered exactly as an unknown one, and
@linkintegrity lists only the linking items the caller may view.
"""
from AccessControl import getSecurityManager
from plone.app.linkintegrity.utils import linkintegrity_enabled
from plone.app.uuid.utils import uuidToObject
from plone.restapi.interfaces import ISerializeToJsonSummary
from plone.restapi.serializer.converters import json_compatible
from plone.restapi.services import Service
from plone.restapi.services.relations.get import GetRelations
from Products.CMFCore.utils import getToolByName
from zope.component import getMultiAdapter
from zope.component.hooks import getSite


def visible(reference):
    """The item a UID or a site-relative path names, if the caller may view it; else None."""
    if not isinstance(reference, str) or not reference:
        return None
    if reference.startswith("/"):
        site = getSite()
        site_path = "/".join(site.getPhysicalPath())
        path = reference if reference.startswith(site_path + "/") else site_path + reference
        item = site.unrestrictedTraverse(path, None)
    else:
        item = uuidToObject(reference, unrestricted=True)
    if item is None or not getSecurityManager().checkPermission("View", item):
        return None
    return item


class RelationsGet(GetRelations):
    """GET @relations?source=&target=...: an unseen source or target is an unknown one (404)."""

    def reply(self):
        for name in ("source", "target"):
            reference = self.request.form.get(name)
            if reference and visible(reference) is None:
                return self.reply_no_content(status=404)
        return super().reply()


class LinkIntegrityGet(Service):
    """GET @linkintegrity?uids=...: the items' breaches, as plone.restapi answers them."""

    def reply(self):
        if not linkintegrity_enabled():
            return json_compatible([])
        uids = self.request.form.get("uids", [])
        uids = uids if isinstance(uids, list) else [uids]
        if not uids or not all(isinstance(uid, str) and uid for uid in uids):
            return self._bad("uids: the UIDs of the items to check are required")
        items = []
        for uid in uids:
            item = visible(uid)
            if item is None or uid.startswith("/"):
                return self._bad(f"uids: no item with the UID {uid!r}")
            items.append(item)
        catalog = getToolByName(self.context, "portal_catalog")
        check = getSecurityManager().checkPermission
        result = []
        for item in items:
            item_path = "/".join(item.getPhysicalPath())
            info = item.restrictedTraverse("@@delete_confirmation_info")
            data = getMultiAdapter((item, self.request), ISerializeToJsonSummary)()
            data["breaches"] = []
            for breach in info.get_breaches():
                if breach["target"]["uid"] not in uids:
                    continue  # a child's breach: plone.restapi leaves those out too
                for source in breach.get("sources", []):
                    linking = uuidToObject(source["uid"], unrestricted=True)
                    if not source.get("accessible") or linking is None or not check("View", linking):
                        continue  # a linking item the caller may not see is not named
                    data["breaches"].append({"uid": source["uid"], "title": source["title"], "@id": source["url"]})
            data["items_total"] = len(catalog(path=item_path)) - 1  # the item's children the caller may see
            result.append(data)
        return json_compatible(result)

    def _bad(self, message):
        self.request.response.setStatus(400)
        return {"error": {"type": "BadRequest", "field": "uids", "message": message}}
