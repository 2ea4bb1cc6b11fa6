"""Cross-field rules of the content types, as schema invariants the XML schemas are based on."""
from Acquisition import aq_inner
from Acquisition import aq_parent
from archive.i18n import _
from zope.interface import Interface
from zope.interface import Invalid
from zope.interface import invariant


class FieldInvalid(Invalid):
    """An invariant failure that names the field at fault (REST clients show it)."""

    def __init__(self, field, message):
        super().__init__(message)
        self.field = field


def _get(data, name):
    return getattr(data, name, None)


class ILegalDocumentRules(Interface):
    @invariant
    def effective_not_before_issue(data):
        issued, effective = _get(data, "issue_date"), _get(data, "effective_from")
        if issued and effective and effective < issued:
            raise FieldInvalid(
                "effective_from",
                _(
                    "error_effective_before_issue",
                    default="effective_from: the effective date must not precede the issue date.",
                ),
            )

    @invariant
    def expiry_after_effective(data):
        start = _get(data, "effective_from") or _get(data, "issue_date")
        expiry = _get(data, "expiry_date")
        if start and expiry and expiry <= start:
            raise FieldInvalid(
                "expiry_date",
                _(
                    "error_expiry_before_effect",
                    default="expiry_date: the expiry date must come after the effective date.",
                ),
            )


class IResultRules(Interface):
    @invariant
    def valid_until_after_issue(data):
        issued, until = _get(data, "issue_date"), _get(data, "valid_until")
        if issued and until and until < issued:
            raise FieldInvalid(
                "valid_until",
                _(
                    "error_valid_until_before_issue",
                    default="valid_until: a result cannot expire before it is issued.",
                ),
            )


class IDossierRules(Interface):
    @invariant
    def procedure_of_this_agency(data):
        """A dossier is received in the shard of the agency competent for its procedure."""
        from archive.content.lookup import procedure_by_code

        code = _get(data, "procedure_code")
        context = getattr(data, "__context__", None)
        container = aq_parent(aq_inner(context)) if context is not None else None
        agency = getattr(container, "agency_code", None)
        procedure = procedure_by_code(code) if code else None
        if procedure is not None and agency and procedure.agency_code != agency:
            raise FieldInvalid(
                "procedure_code",
                _(
                    "error_procedure_other_agency",
                    default="procedure_code: this procedure belongs to another agency.",
                ),
            )
