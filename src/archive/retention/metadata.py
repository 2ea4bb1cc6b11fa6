"""Archival metadata of a file: what the archivist stored, else what the procedure and the
content give (archival_metadata), the document codes of the items inside it, and which
required fields are still empty (completeness).

Where Circular 05/2025/TT-BNV is not specific (the exact file-code layout, which fields a
province requires, default access levels), the choice is a registry record."""
import logging

from Acquisition import aq_base
from archive.retention import schedule
from archive.retention.behavior import FIELD_KEYS
from archive.retention.behavior import KEY_FIELDS
from archive.retention.interfaces import IArchivalSource
from plone import api

logger = logging.getLogger("archive.retention")

KEYS = tuple(FIELD_KEYS.values())
FONDS_CODE = "archive.retention.fonds_code"
FILE_CODE_TEMPLATE = "archive.retention.file_code_template"
DOCUMENT_CODE_TEMPLATE = "archive.retention.document_code_template"
DEFAULT_ACCESS_LEVEL = "archive.retention.default_access_level"
DEFAULT_LANGUAGE = "archive.retention.default_language"
REQUIRED_FIELDS = "archive.retention.required_fields"

DEFAULTS = {
    FILE_CODE_TEMPLATE: "{agency}.{year}.{code}",
    DOCUMENT_CODE_TEMPLATE: "{file_code}.{seq:07d}",
    DEFAULT_LANGUAGE: "vi",
    REQUIRED_FIELDS: ["file_code", "title", "retention", "access_level", "language", "start_date", "end_date",
                      "documents", "pages", "confidence"],
}
# A digitised or mixed file must name its paper original, whatever the registry says.
NEEDS_PAPER_CODE = ("digitised", "mixed")


def _setting(name):
    value = api.portal.get_registry_record(name, default=None)
    return value if value not in (None, "") else DEFAULTS.get(name)


def _empty(value):
    return value is None or value == "" or value == [] or value == ()


def stored(obj):
    """What an archivist stored: {key: value} for the non-empty behavior fields."""
    base = aq_base(obj)
    found = {}
    for name, key in FIELD_KEYS.items():
        value = getattr(base, name, None)
        if not _empty(value):
            found[key] = value
    return found


def _file_code(source, start):
    code = source.code()
    agency = source.agency() or _setting(FONDS_CODE)
    if not code or not agency or start is None:
        return None
    try:
        return _setting(FILE_CODE_TEMPLATE).format(agency=agency, year=start.year, code=code)
    except (KeyError, IndexError, ValueError) as exc:
        logger.warning("Bad %s: %s", FILE_CODE_TEMPLATE, exc)
        return None


def _page_count(item):
    """Pages of an item's file: PDFs are counted, an image is one page; None if unknown."""
    blob = getattr(aq_base(item), "file", None)
    if blob is None:
        return None
    content_type = getattr(blob, "contentType", "") or ""
    if content_type.startswith("image/"):
        return 1
    if content_type != "application/pdf":
        return None
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        with blob.open() as stream:
            return len(PdfReader(stream).pages)
    except (PdfReadError, OSError, ValueError) as exc:
        logger.info("Cannot count the pages of %s: %s", "/".join(item.getPhysicalPath()), exc)
        return None


def _pages(items):
    total = 0
    for item in items:
        count = _page_count(item)
        if count is None:
            return None
        total += count
    return total


def retention_and_closing(obj):
    """(retention, end date) only: what the disposal date needs, without counting pages."""
    values = stored(obj)
    source = IArchivalSource(obj)
    retention = schedule.parse_retention(values.get("retention"))
    if retention is None:
        retention = schedule.scheduled_retention(*source.schedule_key(), source.kind)
    return retention, values.get("end_date") or source.closed()


def disposal_date(obj):
    """The first day the item may be destroyed (None: open, or kept permanently)."""
    return schedule.disposal_date(*reversed(retention_and_closing(obj)))


def derived(obj):
    """The metadata the procedure and the content give, before anything an archivist stored."""
    source = IArchivalSource(obj)
    items = source.items()
    start = source.start_date()
    access = (api.portal.get_registry_record(DEFAULT_ACCESS_LEVEL, default=None) or {}).get(source.kind)
    return {
        "file_code": _file_code(source, start),
        "title": obj.Title() or None,
        "retention": schedule.scheduled_retention(*source.schedule_key(), source.kind),
        "access_level": access or None,
        "language": _setting(DEFAULT_LANGUAGE),
        "start_date": start,
        "end_date": source.closed(),
        "keywords": source.keywords(),
        "documents": len(items),
        "pages": _pages(items),
        "confidence": source.confidence(),
        "paper_code": None,
    }


def archival_metadata(obj):
    """The item's archival metadata: stored values over derived ones.

    Keys: file_code, title, retention (int years or "permanent"), access_level, language,
    start_date, end_date (dates), keywords (list), documents, pages, confidence, paper_code;
    None for what is neither stored nor derivable."""
    values = derived(obj)
    kept = stored(obj)
    for key, value in kept.items():
        values[key] = schedule.parse_retention(value) if key == "retention" else value
    if "file_code" not in kept and "start_date" in kept:  # the file code carries the start year
        values["file_code"] = _file_code(IArchivalSource(obj), values["start_date"])
    values["keywords"] = list(values["keywords"] or [])
    return values


def document_codes(obj, metadata=None):
    """The document code of each item inside the file (file code + 7-digit sequence):
    [{"id", "title", "code"}] in file order; codes are None while the file code is unknown."""
    metadata = metadata or archival_metadata(obj)
    template = _setting(DOCUMENT_CODE_TEMPLATE)
    codes = []
    for seq, item in enumerate(IArchivalSource(obj).items(), start=1):
        code = template.format(file_code=metadata["file_code"], seq=seq) if metadata["file_code"] else None
        codes.append({"id": item.getId(), "title": item.Title(), "code": code})
    return codes


def required_keys():
    keys = [key for key in (_setting(REQUIRED_FIELDS) or []) if key in KEY_FIELDS]
    return keys


def missing(obj, metadata=None):
    """The required keys whose value is still empty (stored nor derived)."""
    metadata = metadata or archival_metadata(obj)
    keys = required_keys()
    if metadata.get("confidence") in NEEDS_PAPER_CODE and "paper_code" not in keys:
        keys.append("paper_code")
    return [key for key in keys if _empty(metadata.get(key))]
