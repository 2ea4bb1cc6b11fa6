"""Field types that validate the archive's identifiers wherever a value arrives (forms, REST, code)."""
from archive.content import codes
from archive.content import result_link
from archive.i18n import _
from archive.content import clock
from datetime import datetime
from datetime import timedelta
from plone.supermodel.exportimport import BaseHandler
from zope.component.hooks import getSite
from zope.interface import implementer
from zope.schema import Datetime
from zope.schema import TextLine
from zope.schema.interfaces import IDatetime
from zope.schema.interfaces import ITextLine
from zope.schema.interfaces import ValidationError

# Receipt times the archive accepts: none before the service centres' electronic records
# began, none later than now plus a small allowance for a client's clock running ahead.
RECEIVED_EARLIEST = datetime(2000, 1, 1)
CLOCK_SKEW = timedelta(minutes=10)


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


class Unclean(ValidationError):
    __doc__ = _(
        "error_unclean_text",
        default="Control, invisible or bidirectional formatting characters are not allowed.",
    )


class ImplausibleReceived(ValidationError):
    __doc__ = _(
        "error_received_window",
        default="The receipt time must lie between 1 January 2000 and now.",
    )


class UnknownResult(ValidationError):
    __doc__ = _("error_unknown_result", default="No result with this code exists.")


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


class ICleanTextLine(ITextLine):
    """A line of text as a person types it: stored in NFC, without invisible characters."""


@implementer(ICleanTextLine)
class CleanTextLine(TextLine):
    def fromUnicode(self, value):
        return super().fromUnicode(codes.normalise_text(value))

    def _validate(self, value):
        super()._validate(value)
        if codes.text_fault(value):
            raise Unclean(value)


class IReceivedDatetime(IDatetime):
    """The receipt time of a dossier, naive local time within a plausible window."""


def plausible_received(value):
    """Whether a receipt time lies in the accepted window (aware values compared in local time)."""
    try:
        local = clock.to_local_naive(value)
    except (OverflowError, ValueError):
        return False
    return RECEIVED_EARLIEST <= local <= clock.now() + CLOCK_SKEW


@implementer(IReceivedDatetime)
class ReceivedDatetime(Datetime):
    def _validate(self, value):
        super()._validate(value)
        if not plausible_received(value):
            raise ImplausibleReceived(value)


class IResultReference(ITextLine):
    """The code of an existing result."""


@implementer(IResultReference)
class ResultReference(TextLine):
    def _validate(self, value):
        super()._validate(value)
        if not _catalog_has(portal_type="Result", result_code=value):
            raise UnknownResult(value)


class IDossierReference(ITextLine):
    """The code of an existing dossier."""


@implementer(IDossierReference)
class DossierReference(TextLine):
    """Bound to a result (or the shard it is filed in): a dossier of the same agency that the
    user may see, else the error of a missing code whoever's the dossier is (result_link.py)."""

    def _validate(self, value):
        super()._validate(value)
        context = getattr(self, "context", None)
        if context is not None and getSite() is not None and result_link.agency_of(context) is not None:
            if not result_link.linkable(context, value):
                raise UnknownDossier(value)
        elif not _catalog_has(portal_type="Dossier", dossier_code=value):
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
CleanTextLineHandler = BaseHandler(CleanTextLine)
ReceivedDatetimeHandler = BaseHandler(ReceivedDatetime)
ResultReferenceHandler = BaseHandler(ResultReference)
DossierReferenceHandler = BaseHandler(DossierReference)
LegalDocumentReferenceHandler = BaseHandler(LegalDocumentReference)
