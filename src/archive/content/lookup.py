"""Finding registered records by their codes, whatever the current user may see."""
from plone import api


def _one(**query):
    catalog = api.portal.get_tool("portal_catalog")
    brains = catalog.unrestrictedSearchResults(**query)
    return brains[0]._unrestrictedGetObject() if brains else None


def procedure_by_code(code):
    # Procedures are named by their code: traversal avoids a catalog query, which would
    # also flush the indexing queue on every intake.
    procedures = api.portal.get().get("procedures")
    found = procedures.get(code) if procedures is not None and code else None
    if found is not None and getattr(found, "procedure_code", None) == code:
        return found
    return _one(portal_type="Procedure", procedure_code=code)


def agency_by_code(code):
    return _one(portal_type="Agency", agency_code=code)


def dossier_by_code(code):
    return _one(portal_type="Dossier", dossier_code=code)


def legal_document_by_notation(notation):
    return _one(portal_type="LegalDocument", number_notation=notation)
