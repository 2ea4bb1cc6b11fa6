"""The search document of an archive item: what Elasticsearch stores, built from the live object."""
from plone.indexer.interfaces import IIndexableObject
from Products.CMFCore.utils import getToolByName
from zope.component import queryMultiAdapter

from archive.search.mapping import build_document
from archive.search.text import cached_file_text


def _indexed(obj, catalog, name):
    wrapper = queryMultiAdapter((obj, catalog), IIndexableObject)
    value = getattr(wrapper, name, None)
    return value() if callable(value) else value


def _year(obj):
    for name in ("received", "issue_date"):
        value = getattr(obj, name, None)
        if value is not None:
            return value.year
    return obj.created().year()


def _dt(value):
    return None if value is None or (hasattr(value, "year") and value.year() >= 2499) else value.ISO8601()


def document_for(obj):
    catalog = getToolByName(obj, "portal_catalog")
    workflow = getToolByName(obj, "portal_workflow")
    text = _indexed(obj, catalog, "SearchableText") or ""
    parts = [child for child in obj.objectValues()] if hasattr(obj, "objectValues") else []
    texts = [text, cached_file_text(getattr(obj, "file", None), getattr(obj, "file_sha256", None))]
    for part in parts:
        texts.append(getattr(part, "title", "") or "")
        texts.append(cached_file_text(getattr(part, "file", None), getattr(part, "sha256", None)))
    text = " ".join(t for t in texts if t)
    codes = [getattr(obj, "number_notation", None)]
    effective = obj.effective() if hasattr(obj, "effective") else None
    expires = obj.expires() if hasattr(obj, "expires") else None
    return build_document({
        "uid": obj.UID(),
        "path": "/".join(obj.getPhysicalPath()),
        "portal_type": obj.portal_type,
        "review_state": workflow.getInfoFor(obj, "review_state", None),
        "agency": getattr(obj, "agency_code", None),
        "procedure": getattr(obj, "procedure_code", None),
        "year": _year(obj),
        "created": obj.created().ISO8601(),
        "modified": obj.modified().ISO8601(),
        "effective": _dt(effective) if effective is not None and effective.year() > 1000 else None,
        "expires": _dt(expires),
        "allowedRolesAndUsers": _indexed(obj, catalog, "allowedRolesAndUsers"),
        "title": obj.Title(),
        "description": obj.Description(),
        "text": text,
        "dossier_code": getattr(obj, "dossier_code", None),
        "result_code": getattr(obj, "result_code", None),
        "legal_codes": [code for code in codes if code],
    })


def modified_version(obj):
    """External version for Elasticsearch: a late write of an older state is skipped."""
    return int(obj.modified().millis())
