"""Cross-field rules of the content types, as schema invariants the XML schemas are based on."""
from Acquisition import aq_base
from Acquisition import aq_inner
from Acquisition import aq_parent
from archive.i18n import _
from zope.globalrequest import getRequest
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


def _shard_agency(context):
    """The agency of the shard a dossier is (or is being) received in.

    The context is the dossier on edit forms and in REST (where a new dossier is wrapped in
    its future container); add forms give none (z3c.form validates their invariants without
    a context), so there it is the context of the form being published, the shard. The
    first archive folder on the way up answers."""
    from archive.content.types import ArchiveFolder

    if context is None:
        request = getRequest()
        context = getattr(request.get("PUBLISHED", None), "context", None) if request is not None else None
    while context is not None:
        if isinstance(aq_base(context), ArchiveFolder):
            return getattr(context, "agency_code", None)
        context = aq_parent(aq_inner(context))
    return None


class IDossierRules(Interface):
    @invariant
    def procedure_of_this_agency(data):
        """A dossier is received in the shard of the agency competent for its procedure."""
        from archive.content.lookup import procedure_by_code

        code = _get(data, "procedure_code")
        agency = _shard_agency(getattr(data, "__context__", None))
        procedure = procedure_by_code(code) if code else None
        if procedure is not None and agency and procedure.agency_code != agency:
            raise FieldInvalid(
                "procedure_code",
                _(
                    "error_procedure_other_agency",
                    default="procedure_code: this procedure belongs to another agency.",
                ),
            )
