"""What the archive derives for each kind of record (IArchivalSource adapters)."""
from datetime import date
from datetime import datetime

from Acquisition import aq_base
from Acquisition import aq_inner
from Acquisition import aq_parent
from archive.calendar import LOCAL_TZ
from archive.content import lookup
from archive.content.types import components_in
from archive.content.vocabularies import LEGAL_DOCUMENT_TYPES
from archive.retention.interfaces import IArchivalSource
from zope.i18n import translate
from zope.interface import implementer

# Where each record's work ends: the file is closed when it first enters one of these.
DOSSIER_CLOSING_STATES = ("returned", "refused", "withdrawn", "stopped")
RESULT_CLOSING_STATES = ("issued", "revoked")
LEGAL_DOCUMENT_CLOSING_STATES = ("published",)


def as_date(value):
    """A date from a date, a datetime (taken in local time) or a Zope DateTime."""
    if value is None:
        return None
    if hasattr(value, "asdatetime"):
        value = value.asdatetime()
    if isinstance(value, datetime):
        if value.tzinfo is not None and value.utcoffset() is not None:
            value = value.astimezone(LOCAL_TZ)
        return value.date()
    return value if isinstance(value, date) else None


def entered(obj, states):
    """When the object first entered one of the states (its workflow history), or None."""
    histories = getattr(aq_base(obj), "workflow_history", None) or {}
    for history in histories.values():
        for entry in history:
            if entry.get("review_state") in states:
                return as_date(entry.get("time"))
    return None


@implementer(IArchivalSource)
class Source:
    kind = None
    closing_states = ()

    def __init__(self, context):
        self.context = context

    def code(self):
        return None

    def agency(self):
        return getattr(aq_base(self.context), "agency_code", None)

    def schedule_key(self):
        return (None, None)

    def closed(self):
        return entered(self.context, self.closing_states)

    def start_date(self):
        return None

    def keywords(self):
        return []

    def items(self):
        return []

    def confidence(self):
        return "born_digital"


class DossierSource(Source):
    kind = "dossier"
    closing_states = DOSSIER_CLOSING_STATES

    def code(self):
        return self.context.dossier_code

    def schedule_key(self):
        return ("procedure", self.context.procedure_code)

    def start_date(self):
        return as_date(self.context.received) or as_date(self.context.created())

    def keywords(self):
        procedure = lookup.procedure_by_code(self.context.procedure_code)
        if procedure is None:
            return []
        return [word for word in (procedure.sector, procedure.title) if word]

    def items(self):
        return components_in(self.context)

    def confidence(self):
        items = self.items()
        scanned = sum(1 for item in items if getattr(item, "digitised", False))
        if scanned == 0:
            return "born_digital"
        return "digitised" if scanned == len(items) else "mixed"


class ResultSource(Source):
    kind = "result"
    closing_states = RESULT_CLOSING_STATES

    def code(self):
        return self.context.result_code

    def agency(self):
        return super().agency() or getattr(aq_parent(aq_inner(self.context)), "agency_code", None)

    def _dossier(self):
        return lookup.dossier_by_code(self.context.dossier_code) if self.context.dossier_code else None

    def schedule_key(self):
        dossier = self._dossier()
        return ("procedure", dossier.procedure_code if dossier is not None else None)

    def start_date(self):
        return as_date(self.context.issue_date) or as_date(self.context.created())

    def keywords(self):
        return [self.context.result_type] if self.context.result_type else []

    def items(self):
        return [self.context] if getattr(aq_base(self.context), "file", None) is not None else []


class LegalDocumentSource(Source):
    kind = "legal_document"
    closing_states = LEGAL_DOCUMENT_CLOSING_STATES

    def code(self):
        return self.context.number_notation

    def agency(self):
        return None  # a legal document belongs to the fonds (registry), not to an agency shard

    def schedule_key(self):
        return ("legal_document", self.context.document_type)

    def start_date(self):
        return as_date(self.context.issue_date) or as_date(self.context.created())

    def keywords(self):
        titles = dict(LEGAL_DOCUMENT_TYPES)
        words = []
        if self.context.document_type in titles:
            words.append(translate(titles[self.context.document_type], target_language="vi"))
        if self.context.issuing_body:
            words.append(self.context.issuing_body)
        return words

    def items(self):
        return sorted((obj for obj in self.context.objectValues() if getattr(aq_base(obj), "file", None) is not None),
                      key=lambda obj: (obj.created(), obj.getId()))
