"""Retention schedule: the registry's periods per procedure and per legal-document type,
and the disposal date they give (1 January of the year after closing, plus the period)."""
from datetime import date

from plone import api

PERMANENT = "permanent"
PROCEDURE_SCHEDULE = "archive.retention.procedure_schedule"
LEGAL_DOCUMENT_SCHEDULE = "archive.retention.legal_document_schedule"
DEFAULT_RETENTION = "archive.retention.default_retention"
SCHEDULES = {"procedure": PROCEDURE_SCHEDULE, "legal_document": LEGAL_DOCUMENT_SCHEDULE}


def parse_retention(value):
    """'permanent', a number of years (int), or None for an empty or unreadable value."""
    if value is None:
        return None
    if isinstance(value, int):
        return value if value > 0 else None
    text = str(value).strip().lower()
    if text == PERMANENT:
        return PERMANENT
    return int(text) if text.isdigit() and int(text) > 0 else None


def _record(name):
    return api.portal.get_registry_record(name, default=None) or {}


def scheduled_retention(schedule, key, kind):
    """The period the schedule gives a procedure (schedule 'procedure') or a legal-document type
    (schedule 'legal_document'); the kind's default when the schedule does not list the key."""
    table = _record(SCHEDULES[schedule]) if schedule in SCHEDULES else {}
    found = parse_retention(table.get(key)) if key else None
    if found is None:
        found = parse_retention(_record(DEFAULT_RETENTION).get(kind))
    return found


def disposal_date(closed, retention):
    """The first day the file may be destroyed: None while open or when kept permanently.

    Counted from 1 January of the year after closing: closed 3 January 2026 with 10 years
    gives 1 January 2037."""
    if closed is None or retention is None or retention == PERMANENT:
        return None
    return date(closed.year + 1 + int(retention), 1, 1)
