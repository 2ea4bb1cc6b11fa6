"""The search document of an archive item: what Elasticsearch stores.

Built in batches from the catalog record (security, workflow state, dates, titles: what
the ZCatalog itself filters and answers with) plus the live object for the accented text
(the catalog's lexicon folds accents) and the text of its parts.
"""
from Acquisition import aq_base
from plone.indexer.interfaces import IIndexableObject
from plone.indexer.interfaces import IIndexer
from Products.CMFCore.utils import getToolByName
from zope.component import getSiteManager
from zope.component import queryMultiAdapter
from zope.interface import providedBy

from archive.search.mapping import build_document
from archive.search.text import cached_file_text


def _indexed(obj, catalog, name):
    wrapper = queryMultiAdapter((obj, catalog), IIndexableObject)
    value = getattr(wrapper, name, None)
    return value() if callable(value) else value


def _year(obj):
    for name in ("received", "issue_date"):
        value = getattr(aq_base(obj), name, None)
        if value is not None:
            return value.year
    return obj.created().year()


def _dt(value):
    return None if value is None or (hasattr(value, "year") and value.year() >= 2499) else value.ISO8601()


def _searchable_text(obj, catalog):
    """The object's SearchableText from its indexer, called directly (no wrapper)."""
    factory = getSiteManager().adapters.lookup((providedBy(obj), providedBy(catalog)), IIndexer,
                                               "SearchableText")
    if factory is None:
        return _indexed(obj, catalog, "SearchableText")
    return factory(obj, catalog)()


def document_for(obj, catalog=None, known=None):
    """The document of ``obj``. ``known`` holds values already read from its catalog record
    (``uid``, ``path``, ``review_state``, ``allowedRolesAndUsers``; see
    ``catalog_documents``), which are then not computed again."""
    catalog = catalog or getToolByName(obj, "portal_catalog")
    known = known or {}
    text = _searchable_text(obj, catalog) or ""
    parts = [child for child in obj.objectValues()] if hasattr(obj, "objectValues") else []
    # Own fields only: a missing one must not be looked up through every container.
    base = aq_base(obj)
    texts = [text, cached_file_text(getattr(base, "file", None), getattr(base, "file_sha256", None))]
    for part in parts:
        texts.append(getattr(part, "title", "") or "")
        texts.append(cached_file_text(getattr(part, "file", None), getattr(part, "sha256", None)))
    text = " ".join(t for t in texts if t)
    codes = [getattr(base, "number_notation", None)]
    effective = obj.effective() if hasattr(obj, "effective") else None
    expires = obj.expires() if hasattr(obj, "expires") else None
    values = {
        "portal_type": obj.portal_type,
        "agency": getattr(obj, "agency_code", None),
        "procedure": getattr(obj, "procedure_code", None),
        "year": _year(obj),
        "created": obj.created().ISO8601(),
        "modified": obj.modified().ISO8601(),
        "effective": _dt(effective) if effective is not None and effective.year() > 1000 else None,
        "expires": _dt(expires),
        "title": obj.Title(),
        "description": obj.Description(),
        "text": text,
        "dossier_code": getattr(base, "dossier_code", None),
        "result_code": getattr(base, "result_code", None),
        "legal_codes": [code for code in codes if code],
        **known,
    }
    if "uid" not in known:
        values["uid"] = obj.UID()
    if "path" not in known:
        values["path"] = "/".join(obj.getPhysicalPath())
    if "review_state" not in known:
        values["review_state"] = getToolByName(obj, "portal_workflow").getInfoFor(obj, "review_state", None)
    if "allowedRolesAndUsers" not in known:
        values["allowedRolesAndUsers"] = _indexed(obj, catalog, "allowedRolesAndUsers")
    return build_document(values)


def _object(root, containers, path):
    """The object at ``path``, its container traversed once per batch (many items share one)."""
    parent_path, _, name = path.rpartition("/")
    parent = containers.get(parent_path)
    if parent is None:
        parent = containers[parent_path] = root.unrestrictedTraverse(parent_path)
    return parent._getOb(name)


def catalog_rids(catalog, uids):
    """The catalog's record ids of ``uids`` (those it holds), from its UID index."""
    index = catalog._catalog.getIndex("UID")
    rids = (index._index.get(uid) for uid in uids)
    return [rid for rid in rids if rid is not None]


def catalog_documents(catalog, rids):
    """``[(uid, document, version)]`` for the catalog records ``rids`` of searched items.

    Security (``allowedRolesAndUsers``: the very values the ZCatalog filters on, not
    computed again from local roles) and the workflow state come from the catalog's
    indexes, the path from its record; the object, loaded anyway for its accented text
    (the catalog's lexicon folds accents), gives the rest.
    """
    record = catalog._catalog
    uid_index, state_index = record.getIndex("UID"), record.getIndex("review_state")
    allowed_index = record.getIndex("allowedRolesAndUsers")
    root = catalog.getPhysicalRoot()
    containers = {}
    documents = []
    for rid in rids:
        path = record.paths[rid]
        obj = _object(root, containers, path)
        known = {
            "uid": uid_index.getEntryForObject(rid),
            "path": path,
            "review_state": state_index.getEntryForObject(rid),
            "allowedRolesAndUsers": list(allowed_index.getEntryForObject(rid, ()) or ()),
        }
        documents.append((known["uid"], document_for(obj, catalog, known), modified_version(obj)))
    return documents


def modified_version(obj):
    """External version for Elasticsearch: a late write of an older state is skipped."""
    return int(obj.modified().millis())
