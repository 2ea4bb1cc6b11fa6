"""Effect status of a legal document, from its own dates and the documents acting on it."""
from Products.CMFCore.utils import getToolByName

from archive.content import clock

# Relation fields of LegalDocument, in the order their effect on the target prevails.
RELATION_FIELDS = ("replaces", "repeals", "suspends", "amends", "guides", "based_on")
_EFFECT_OF_RELATION = {
    "replaces": "wholly_expired",
    "repeals": "wholly_expired",
    "suspends": "suspended",
    "amends": "partly_expired",
}


def relation_keys(doc):
    """Keyword-index values naming what this document acts on: `replaces:15/2020/QĐ-UBND`."""
    keys = []
    for field in RELATION_FIELDS:
        for notation in getattr(doc, field, None) or ():
            keys.append(f"{field}:{notation}")
    return keys


def _in_force_on(doc, day):
    start = getattr(doc, "effective_from", None) or getattr(doc, "issue_date", None)
    expiry = getattr(doc, "expiry_date", None)
    return (start is None or start <= day) and (expiry is None or expiry > day)


def _promulgated(doc, review_state):
    """Published here, or received from its issuer through the exchange and not revoked: a
    received document is in force by its issuer's act, whatever this site's workflow says."""
    if review_state == "published":
        return True
    return bool(getattr(doc, "exchange_sender", None)) and getattr(doc, "exchange_state", None) != "revoked"


def acting_documents(doc):
    """Promulgated documents that name this one in a relation, with the relation's name."""
    notation = getattr(doc, "number_notation", None)
    catalog = getToolByName(doc, "portal_catalog", None)
    if not notation or catalog is None:
        return []
    wanted = [f"{field}:{notation}" for field in _EFFECT_OF_RELATION]
    acting = []
    for brain in catalog.unrestrictedSearchResults(portal_type="LegalDocument", legal_relations=wanted):
        other = brain._unrestrictedGetObject()
        if not _promulgated(other, brain.review_state):
            continue
        for field in _EFFECT_OF_RELATION:
            if notation in (getattr(other, field, None) or ()):
                acting.append((field, other))
    return acting


def effect_status(doc, today=None):
    today = today or clock.now().date()  # the province's date, whatever the server's zone
    start = getattr(doc, "effective_from", None) or getattr(doc, "issue_date", None)
    if start is not None and start > today:
        return "not_yet_in_force"
    expiry = getattr(doc, "expiry_date", None)
    if expiry is not None and expiry <= today:
        return "wholly_expired"
    effects = {
        _EFFECT_OF_RELATION[field]
        for field, other in acting_documents(doc)
        if _in_force_on(other, today)
    }
    for status in ("wholly_expired", "suspended", "partly_expired"):
        if status in effects:
            return status
    return "in_force"


def refresh_effect_statuses(portal):
    """Reindex the legal documents whose effect status the calendar has changed.

    The catalog keeps the status computed when a document was last indexed, but a day
    reached (its entry into force, its expiry, that of a document acting on it) changes the
    status without anyone editing anything; searches filtering on it would be wrong from
    that day. Returns [(uid, catalogued status, current status)] for those reindexed.
    """
    catalog = getToolByName(portal, "portal_catalog")
    today = clock.now().date()
    changed = []
    for brain in catalog.unrestrictedSearchResults(portal_type="LegalDocument"):
        doc = brain._unrestrictedGetObject()
        current = effect_status(doc, today)
        if current != brain.effect_status:
            doc.reindexObject(idxs=["effect_status"])
            changed.append((brain.UID, brain.effect_status, current))
    return changed
