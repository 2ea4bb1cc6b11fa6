"""Field types that validate the archive's identifiers wherever a value arrives (forms, REST, code)."""
from archive.content import codes
from archive.i18n import _
from plone.supermodel.exportimport import BaseHandler
from zope.component.hooks import getSite
from zope.interface import implementer
from zope.schema import TextLine
from zope.schema.interfaces import ITextLine
from zope.schema.interfaces import ValidationError


class InvalidAgencyCode(ValidationError):
    __doc__ = _(
        "error_agency_code",
        default="Invalid agency code: use dot-separated groups of digits and capital "
        "letters, at most 35 characters (e.g. 000.00.00.H41).",
    )


class UnknownAgency(ValidationError):
    __doc__ = _("error_unknown_agency", default="No agency with this code is registered.")


class InvalidApplicantId(ValidationError):
    __doc__ = _(
        "error_applicant_id",
        default="Invalid applicant identifier: a 12-digit citizen ID or a 10-digit "
        "business code (optionally -NNN for a branch).",
    )


class InvalidProcedureCode(ValidationError):
    __doc__ = _("error_procedure_code", default="Invalid procedure code (e.g. 1.001234).")


class UnknownProcedure(ValidationError):
    __doc__ = _("error_unknown_procedure", default="No procedure with this code is registered.")


class UnknownDossier(ValidationError):
    __doc__ = _("error_unknown_dossier", default="No dossier with this code exists.")


class UnknownLegalDocument(ValidationError):
    __doc__ = _(
        "error_unknown_legal_document",
        default="No legal document with this number and notation exists.",
    )


class InvalidPhone(ValidationError):
    __doc__ = _("error_phone", default="Invalid phone number.")


def _catalog_has(**query):
    site = getSite()
    catalog = getattr(site, "portal_catalog", None)
    if catalog is None:  # outside a Plone site (unit use): format checks only
        return True
    return bool(catalog.unrestrictedSearchResults(**query))


class IAgencyCode(ITextLine):
    """An agency identification code."""


@implementer(IAgencyCode)
class AgencyCode(TextLine):
    def _validate(self, value):
        super()._validate(value)
        if not codes.is_agency_code(value):
            raise InvalidAgencyCode(value)


class IAgencyReference(IAgencyCode):
    """The code of an agency registered in this archive."""


@implementer(IAgencyReference)
class AgencyReference(AgencyCode):
    def _validate(self, value):
        super()._validate(value)
        if not _catalog_has(portal_type="Agency", agency_code=value):
            raise UnknownAgency(value)


class IApplicantId(ITextLine):
    """A citizen ID or business code."""


@implementer(IApplicantId)
class ApplicantId(TextLine):
    def _validate(self, value):
        super()._validate(value)
        if not codes.is_applicant_id(value):
            raise InvalidApplicantId(value)


class IProcedureReference(ITextLine):
    """The code of a procedure registered in this archive."""


@implementer(IProcedureReference)
class ProcedureReference(TextLine):
    def _validate(self, value):
        super()._validate(value)
        if not codes.is_procedure_code(value):
            raise InvalidProcedureCode(value)
        if not _catalog_has(portal_type="Procedure", procedure_code=value):
            raise UnknownProcedure(value)


class IPhone(ITextLine):
    """A phone number."""


@implementer(IPhone)
class Phone(TextLine):
    def _validate(self, value):
        super()._validate(value)
        if not codes.is_phone(value):
            raise InvalidPhone(value)


class IDossierReference(ITextLine):
    """The code of an existing dossier."""


@implementer(IDossierReference)
class DossierReference(TextLine):
    def _validate(self, value):
        super()._validate(value)
        if not _catalog_has(portal_type="Dossier", dossier_code=value):
            raise UnknownDossier(value)


class ILegalDocumentReference(ITextLine):
    """The number and notation of an existing legal document."""


@implementer(ILegalDocumentReference)
class LegalDocumentReference(TextLine):
    def _validate(self, value):
        super()._validate(value)
        if not _catalog_has(portal_type="LegalDocument", number_notation=value):
            raise UnknownLegalDocument(value)


# plone.supermodel handlers so the XML schemas can name these field types.
AgencyCodeHandler = BaseHandler(AgencyCode)
AgencyReferenceHandler = BaseHandler(AgencyReference)
ApplicantIdHandler = BaseHandler(ApplicantId)
ProcedureReferenceHandler = BaseHandler(ProcedureReference)
PhoneHandler = BaseHandler(Phone)
DossierReferenceHandler = BaseHandler(DossierReference)
LegalDocumentReferenceHandler = BaseHandler(LegalDocumentReference)
