"""The archival metadata a package describes: from archive.retention's archival metadata
where that module exists, else derived from the item's own fields."""
from datetime import timezone

from archive.preservation.interfaces import IPackageSource


def _date(value):
    if value is None:
        return None
    if hasattr(value, "asdatetime"):
        value = value.asdatetime()
    if hasattr(value, "astimezone") and getattr(value, "tzinfo", None) is not None:
        value = value.astimezone(timezone.utc)
    return value.date() if hasattr(value, "date") else value


def derived_metadata(obj):
    """The file-level fields the item itself holds (what retention's metadata is filled from)."""
    source = IPackageSource(obj)
    parts = source.parts()
    start = getattr(obj, "received", None) or getattr(obj, "issue_date", None) or obj.created()
    end = getattr(obj, "completed", None) or getattr(obj, "effective_from", None) or obj.modified()
    digitised = [bool(getattr(part, "digitised", False)) for part, _named, _sha in parts]
    confidence = "03" if any(digitised) and not all(digitised) else "02" if digitised and all(digitised) else "01"
    keywords = [value for value in (getattr(obj, "procedure_code", None), getattr(obj, "document_type", None),
                                    getattr(obj, "result_type", None)) if value]
    return {
        "file_code": source.code,
        "title": obj.Title(),
        "retention": None,
        "access_level": "01" if getattr(obj, "portal_type", "") == "LegalDocument" else "02",
        "language": "vi",
        "start_date": _date(start),
        "end_date": _date(end),
        "keywords": keywords,
        "documents": len(parts),
        "pages": None,
        "confidence": confidence,
        "paper_code": None,
        "agency": getattr(obj, "agency_code", None) or getattr(obj, "issuing_body", None),
        "type": obj.portal_type,
    }


def archival_metadata(obj):
    """The dict a package's descriptive metadata is written from."""
    derived = derived_metadata(obj)
    try:
        from archive.retention.metadata import archival_metadata as recorded
        from archive.retention.metadata import document_codes
    except ImportError:  # retention not installed in this tree yet: the item's own fields
        return derived
    values = dict(recorded(obj) or {})
    values["document_list"] = [{"code": item["code"], "title": item["title"], "file": item["id"]}
                               for item in document_codes(obj, values)]
    for key, value in derived.items():
        if values.get(key) in (None, "", [], ()):
            values[key] = value
    return values
