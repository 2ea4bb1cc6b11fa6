"""The search document of an archive item: what Elasticsearch stores.

Built in batches from the catalog record (security and workflow state: what the ZCatalog
itself filters on) plus what only the object gives (the accented text, which the
catalog's lexicon folds, the text of its parts, its own fields): taken either from the
values the outbox noted when the item was written, or from the live object.
"""
from Acquisition import aq_base
from plone.indexer.interfaces import IIndexableObject
from plone.indexer.interfaces import IIndexer
from Products.CMFCore.utils import getToolByName
from zope.component import getSiteManager
from zope.component import queryMultiAdapter
from zope.interface import providedBy

from archive.content.legal import effect_status
from archive.content.result_link import DOSSIERS
from archive.content.result_link import agency_of
from archive.search.mapping import build_document
from archive.search.text import cached_file_text
from archive.search.text import has_file_text


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


def _issued(obj):
    """The day an item was issued or received (a legal document's issue date), ISO 8601."""
    for name in ("issue_date", "received"):
        value = getattr(aq_base(obj), name, None)
        if value is not None:
            return value.isoformat()
    return None


def _effect_status(obj):
    """A legal document's effect status (in force, expired, ...); None for other items."""
    if obj.portal_type != "LegalDocument":
        return None
    return effect_status(obj)


def _agency(obj):
    """The item's own agency code, else that of the agency shard it is filed in (a result)."""
    return getattr(aq_base(obj), "agency_code", None) or agency_of(obj)


def _procedure(obj, catalog, agency):
    """The item's own procedure code, else (a result) that of the dossier it belongs to, found
    by its code in the same agency's shard (the catalog's column: no object loaded)."""
    base = aq_base(obj)
    own = getattr(base, "procedure_code", None)
    code = getattr(base, "dossier_code", None)
    if own or obj.portal_type != "Result" or not code or not agency:
        return own
    shard = "/".join(catalog.getPhysicalPath()[:-1] + (DOSSIERS, agency))
    for brain in catalog.unrestrictedSearchResults(portal_type="Dossier", dossier_code=code,
                                                   path={"query": shard, "depth": 1}):
        return brain.procedure_code or None
    return None


def _dt(value):
    return None if value is None or (hasattr(value, "year") and value.year() >= 2499) else value.ISO8601()


def _searchable_text(obj, catalog):
    """The object's SearchableText from its indexer, called directly (no wrapper)."""
    factory = getSiteManager().adapters.lookup((providedBy(obj), providedBy(catalog)), IIndexer,
                                               "SearchableText")
    if factory is None:
        return _indexed(obj, catalog, "SearchableText")
    return factory(obj, catalog)()


def object_values(obj, catalog, files=True):
    """What a document takes from the object itself: everything but the ``uid``, ``path``,
    ``review_state`` and ``allowedRolesAndUsers`` the catalog record gives. With
    ``files=False`` None when the text of a stored PDF would be needed (extraction is
    left to the drain, never done in the writing transaction)."""
    text = _searchable_text(obj, catalog) or ""
    parts = [child for child in obj.objectValues()] if hasattr(obj, "objectValues") else []
    # Own fields only: a missing one must not be looked up through every container.
    base = aq_base(obj)
    pieces = [(text, getattr(base, "file", None), getattr(base, "file_sha256", None))]
    pieces.extend((getattr(part, "title", "") or "", getattr(part, "file", None), getattr(part, "sha256", None))
                  for part in parts)
    if not files and any(has_file_text(named_file) for _title, named_file, _sha in pieces):
        return None
    texts = []
    for title, named_file, sha256 in pieces:
        texts.append(title)
        texts.append(cached_file_text(named_file, sha256))
    text = " ".join(t for t in texts if t)
    codes = [getattr(base, "number_notation", None)]
    effective = obj.effective() if hasattr(obj, "effective") else None
    expires = obj.expires() if hasattr(obj, "expires") else None
    agency = _agency(obj)
    return {
        "portal_type": obj.portal_type,
        "agency": agency,
        "procedure": _procedure(obj, catalog, agency),
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
        "issued": _issued(obj),
        "effect_status": _effect_status(obj),
    }


def document_for(obj, catalog=None, known=None):
    """The document of ``obj``. ``known`` holds values already read from its catalog record
    (``uid``, ``path``, ``review_state``, ``allowedRolesAndUsers``; see
    ``catalog_documents``), which are then not computed again."""
    catalog = catalog or getToolByName(obj, "portal_catalog")
    known = known or {}
    values = {**object_values(obj, catalog), **known}
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


def catalog_documents(catalog, rids, written=None):
    """``[(uid, document, version)]`` for the catalog records ``rids`` of searched items.

    Security (``allowedRolesAndUsers``: the very values the ZCatalog filters on, not
    computed again from local roles) and the workflow state come from the catalog's
    indexes, the path from its record. The rest comes from ``written``
    (``{uid: (object values, version)}``, what the outbox noted when the item was last
    indexed, see ``outbox.note_values``) or else from the object, loaded for its
    accented text (the catalog's lexicon folds accents).
    """
    record = catalog._catalog
    uid_index, state_index = record.getIndex("UID"), record.getIndex("review_state")
    allowed_index = record.getIndex("allowedRolesAndUsers")
    root = catalog.getPhysicalRoot()
    written = written or {}
    containers = {}
    documents = []
    for rid in rids:
        path = record.paths[rid]
        uid = uid_index.getEntryForObject(rid)
        known = {
            "uid": uid,
            "path": path,
            "review_state": state_index.getEntryForObject(rid),
            "allowedRolesAndUsers": list(allowed_index.getEntryForObject(rid, ()) or ()),
        }
        values, version = written.get(uid) or (None, None)
        if values is not None:
            documents.append((uid, build_document({**values, **known}), version))
            continue
        obj = _object(root, containers, path)
        documents.append((uid, document_for(obj, catalog, known), modified_version(obj)))
    return documents


def modified_version(obj):
    """External version for Elasticsearch: a late write of an older state is skipped."""
    return int(obj.modified().millis())
