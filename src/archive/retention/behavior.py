"""The archival metadata behavior: the file-level fields of Circular 05/2025/TT-BNV.

Every field is optional in storage: an empty field takes the value derived from the
procedure and the content (metadata.py), so what is stored is what an archivist set.
Only holders of `archive: Edit archival metadata` may write the fields."""
import re

from archive.i18n import _
from archive.retention.interfaces import IArchivalRecord
from plone.autoform import directives
from plone.autoform.interfaces import IFormFieldProvider
from plone.supermodel import model
from zope import schema
from zope.interface import provider
from zope.schema.vocabulary import SimpleTerm
from zope.schema.vocabulary import SimpleVocabulary

EDIT_PERMISSION = "archive.EditArchivalMetadata"

# TT 05/2025 codes beside the stable values the archive stores.
ACCESS_LEVELS = (
    ("public", "01", _("access_public", default="Public")),
    ("conditional", "02", _("access_conditional", default="Conditional")),
    ("confidential", "03", _("access_confidential", default="Confidential")),
)
CONFIDENCE_LEVELS = (
    ("born_digital", "01", _("confidence_born_digital", default="Born digital")),
    ("digitised", "02", _("confidence_digitised", default="Digitised")),
    ("mixed", "03", _("confidence_mixed", default="Mixed")),
)
ACCESS_CODES = {value: code for value, code, title in ACCESS_LEVELS}
CONFIDENCE_CODES = {value: code for value, code, title in CONFIDENCE_LEVELS}

RETENTION = re.compile(r"permanent|[1-9][0-9]{0,2}")


def _vocabulary(triples):
    return SimpleVocabulary([SimpleTerm(value, token=value, title=title) for value, code, title in triples])


def valid_retention(value):
    """'permanent' or a number of years (1-999)."""
    return bool(RETENTION.fullmatch(value or ""))


@provider(IFormFieldProvider)
class IArchivalMetadata(model.Schema, IArchivalRecord):
    """Archival metadata of a file (hồ sơ) and the codes of the documents inside it."""

    model.fieldset(
        "archival",
        label=_("fieldset_archival", default="Archival metadata"),
        fields=["archival_file_code", "archival_title", "archival_retention", "archival_access_level",
                "archival_language", "archival_start_date", "archival_end_date", "archival_keywords",
                "archival_documents", "archival_pages", "archival_confidence", "archival_paper_code"],
    )

    archival_file_code = schema.TextLine(
        title=_("label_archival_file_code", default="File code"),
        description=_("help_archival_file_code",
                      default="Agency or fonds code, year and file number. Empty: derived."),
        required=False, max_length=100)
    archival_title = schema.TextLine(
        title=_("label_archival_title", default="File title"), required=False, max_length=1000)
    archival_retention = schema.ASCIILine(
        title=_("label_archival_retention", default="Retention"),
        description=_("help_archival_retention",
                      default="'permanent' or a number of years. Empty: from the retention schedule."),
        required=False, constraint=valid_retention)
    archival_access_level = schema.Choice(
        title=_("label_archival_access_level", default="Access level"),
        vocabulary=_vocabulary(ACCESS_LEVELS), required=False)
    archival_language = schema.ASCIILine(
        title=_("label_archival_language", default="Language"),
        description=_("help_archival_language", default="ISO 639 codes, e.g. vi or vi, en."),
        required=False, max_length=50)
    archival_start_date = schema.Date(title=_("label_archival_start_date", default="Start date"), required=False)
    archival_end_date = schema.Date(
        title=_("label_archival_end_date", default="End date"),
        description=_("help_archival_end_date", default="The day the file was closed; retention counts from it."),
        required=False)
    archival_keywords = schema.List(
        title=_("label_archival_keywords", default="Keywords"),
        value_type=schema.TextLine(max_length=200), required=False)
    archival_documents = schema.Int(
        title=_("label_archival_documents", default="Number of documents"), required=False, min=0)
    archival_pages = schema.Int(
        title=_("label_archival_pages", default="Number of pages"), required=False, min=0)
    archival_confidence = schema.Choice(
        title=_("label_archival_confidence", default="Confidence level"),
        vocabulary=_vocabulary(CONFIDENCE_LEVELS), required=False)
    archival_paper_code = schema.TextLine(
        title=_("label_archival_paper_code", default="Paper original code"),
        description=_("help_archival_paper_code", default="Code of the paper original of a digitised file."),
        required=False, max_length=100)

    directives.write_permission(
        archival_file_code=EDIT_PERMISSION, archival_title=EDIT_PERMISSION,
        archival_retention=EDIT_PERMISSION, archival_access_level=EDIT_PERMISSION,
        archival_language=EDIT_PERMISSION, archival_start_date=EDIT_PERMISSION,
        archival_end_date=EDIT_PERMISSION, archival_keywords=EDIT_PERMISSION,
        archival_documents=EDIT_PERMISSION, archival_pages=EDIT_PERMISSION,
        archival_confidence=EDIT_PERMISSION, archival_paper_code=EDIT_PERMISSION)


# Field name in the schema -> key in archival_metadata().
FIELD_KEYS = {
    "archival_file_code": "file_code", "archival_title": "title", "archival_retention": "retention",
    "archival_access_level": "access_level", "archival_language": "language",
    "archival_start_date": "start_date", "archival_end_date": "end_date", "archival_keywords": "keywords",
    "archival_documents": "documents", "archival_pages": "pages", "archival_confidence": "confidence",
    "archival_paper_code": "paper_code",
}
KEY_FIELDS = {key: name for name, key in FIELD_KEYS.items()}
