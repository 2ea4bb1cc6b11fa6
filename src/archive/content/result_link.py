"""Which dossier a result belongs to: a dossier of the result's own agency, found in that
agency's shard (never by a province-wide code search), that the officer filing the result
may see; the link written on the dossier is journaled.

A result filed by agency B with the code of agency A's dossier is therefore refused with
the error a missing code gets, and can never rewrite A's dossier.
"""
from Acquisition import aq_base
from Acquisition import aq_inner
from plone import api

from archive.audit import journal
from archive.content.types import ArchiveFolder

DOSSIERS = "dossiers"


def agency_of(context):
    """The agency code of the results shard `context` is (or is in), or None."""
    for obj in getattr(aq_inner(context), "aq_chain", ()) if context is not None else ():
        if isinstance(aq_base(obj), ArchiveFolder):
            return getattr(aq_base(obj), "agency_code", None) or None
    return None


def _shard(agency):
    dossiers = api.portal.get().get(DOSSIERS)
    return dossiers.get(agency) if dossiers is not None and agency else None


def _find(agency, code, restricted):
    shard = _shard(agency)
    if shard is None or not code:
        return None
    catalog = api.portal.get_tool("portal_catalog")
    query = dict(portal_type="Dossier", dossier_code=code,
                 path={"query": "/".join(shard.getPhysicalPath()), "depth": 1})
    brains = catalog.searchResults(**query) if restricted else catalog.unrestrictedSearchResults(**query)
    for brain in brains:
        return brain.getObject() if restricted else brain._unrestrictedGetObject()
    return None


def linkable(context, code):
    """Whether a result filed in `context` (a result or its shard) may name dossier `code`:
    the dossier is in the same agency's shard and the current user may see it."""
    agency = agency_of(context)
    if agency is None:
        return False
    return _find(agency, code, restricted=True) is not None


def link(result):
    """Write the result's code on its dossier (found in the result's agency only), journaled.
    Returns the dossier, or None when the result names none of its agency's dossiers."""
    code = getattr(aq_base(result), "dossier_code", None)
    dossier = _find(agency_of(result), code, restricted=False)
    if dossier is None:
        return None
    previous = getattr(aq_base(dossier), "result_code", None)
    if previous == result.result_code:
        return dossier
    dossier.result_code = result.result_code
    dossier.reindexObject(idxs=["SearchableText", "result_code"])  # the leader's approval queue reads it
    details = {"result_code": result.result_code, "result_uid": getattr(aq_base(result), "_plone.uuid", None),
               "result_path": "/".join(result.getPhysicalPath())}
    if previous:
        details["previous_result_code"] = previous
    journal.record("linked", uid=getattr(aq_base(dossier), "_plone.uuid", None),
                   path="/".join(dossier.getPhysicalPath()), portal_type="Dossier", details=details)
    return dossier


def result_modified(result, event):
    """A result whose dossier_code was changed links the dossier it now names."""
    names = {name.rsplit(".", 1)[-1] for description in getattr(event, "descriptions", ()) or ()
             for name in getattr(description, "attributes", ()) or ()}
    if "dossier_code" in names:
        link(result)
