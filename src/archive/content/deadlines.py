"""Deadlines of dossiers: the working calendar configured in the site registry, applied."""
from archive.calendar import WorkingCalendar
from archive.calendar import parse_dates
from plone.registry.interfaces import IRegistry
from zope.component import queryUtility

_cache = {}


def site_calendar():
    """The calendar with this site's overrides; rebuilt only when the overrides change."""
    registry = queryUtility(IRegistry)
    holidays, workdays = (), ()
    if registry is not None:
        holidays = tuple(registry.get("archive.calendar.extra_holidays") or ())
        workdays = tuple(registry.get("archive.calendar.extra_working_days") or ())
    key = (holidays, workdays)
    calendar = _cache.get(key)
    if calendar is None:
        calendar = WorkingCalendar(parse_dates(holidays), parse_dates(workdays))
        _cache.clear()
        _cache[key] = calendar
    return calendar


def pauses_of(dossier):
    pauses = []
    for request in getattr(dossier, "supplement_requests", None) or ():
        pauses.append((_parse(request["requested"]), _parse(request.get("resumed"))))
    return pauses


def _parse(value):
    from datetime import datetime

    return datetime.fromisoformat(value) if value else None


def compute_due(dossier, procedure):
    """The appointment date: statutory working days from receipt, pauses excluded."""
    return site_calendar().due_date_with_pauses(
        dossier.received,
        procedure.processing_days or 0,
        pauses_of(dossier),
        getattr(procedure, "cutoff_hour", None),
    )


def timeliness(due, completed):
    return site_calendar().timeliness(due, completed) if due and completed else None
