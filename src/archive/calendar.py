"""Working-day calendar for administrative-procedure deadlines (Vietnam, Asia/Ho_Chi_Minh).

Pure Python, no Plone imports: the caller reads the overrides from configuration (for
example the Plone registry), turns them into dates with `parse_dates` and passes them
to `WorkingCalendar`.

Conventions (they apply to every method below)
----------------------------------------------

Time zone
    All dates are Vietnamese local dates (Asia/Ho_Chi_Minh, UTC+7, no daylight saving).
    A naive datetime is taken to be local time already; an aware datetime is converted
    to local time first.  Methods that return a datetime return an aware datetime in
    Asia/Ho_Chi_Minh when their (first) datetime argument was aware, and a naive local
    datetime otherwise.  Naive and aware values may be mixed in one call.

Working days
    Saturday and Sunday are days off, and so are the Vietnamese public holidays known
    to the `holidays` package (country ``VN``: 1 January, Tết, Hùng Kings' day, 30 April,
    1 May, 2 September with its adjacent day, observed/compensatory days, and the
    day swaps that the package knows of, including the weekend days worked in exchange).
    ``extra_holidays`` adds days off the government declares on top of that (extended
    Tết, the day-off side of a swap); ``extra_working_days`` declares days worked
    (the Saturday side of a swap) and wins over everything else, so it can also correct
    a day the package gets wrong.

The working-time clock
    Deadlines are counted on a clock that runs through the whole 24 hours of every
    working day and stands still on days off.  One working day is 24 hours of that
    clock, so the due date is *at the same time of day, N working days later*: a
    dossier received Monday 10:00 with a one-working-day deadline is due Tuesday 10:00,
    and one received Friday 10:00 is due Monday 10:00 (the time printed on the receipt
    and appointment slip, form 01).  Fractional days are proportional to that clock
    (0.5 working day = 12 hours of working-day time); whole days are the normal case.
    When the result falls exactly at the end of a working day it is given as that day's
    23:59:59.999999 rather than the next (maybe non-working) day's midnight.

Receipt time (see `effective_receipt`)
    A dossier received on a day off counts as received at the opening time
    (``day_start``, default 07:30) of the next working day; one received on a working
    day before opening counts as received at opening; and, when a ``cutoff_hour`` is
    given, one received *strictly after* the cut-off time counts as received at the
    opening of the next working day (received exactly at the cut-off still counts the
    same day).  The same rule applies when a supplemented dossier comes back after a
    pause.
"""
from __future__ import annotations

import re
import threading
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta, timezone, tzinfo

import holidays

__all__ = [
    "EARLY",
    "LATE",
    "LOCAL_TZ",
    "ON_TIME",
    "WorkingCalendar",
    "parse_dates",
]

try:
    from zoneinfo import ZoneInfo

    LOCAL_TZ: tzinfo = ZoneInfo("Asia/Ho_Chi_Minh")
except Exception:  # pragma: no cover - no tz database available
    # Vietnam has used UTC+7 without daylight saving since 1975.
    LOCAL_TZ = timezone(timedelta(hours=7), "Asia/Ho_Chi_Minh")

EARLY = "early"
ON_TIME = "on_time"
LATE = "late"

DEFAULT_DAY_START = time(7, 30)

_DAY = timedelta(days=1)
# Safety net for loops that walk day by day (ten years of days off in a row is a bug).
_MAX_SCAN_DAYS = 3660
_DATE_LINE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def parse_dates(lines: str | Iterable[str]) -> list[date]:
    """Parse override dates from configuration text.

    ``lines`` is either one string (split on line breaks) or an iterable of strings, one
    date a line, in ``YYYY-MM-DD`` form.  Surrounding white space is ignored, as are
    empty lines and comments (anything after ``#``, so ``2026-01-02  # New Year swap``
    is fine).  Returns the dates sorted and without duplicates.  Raises ``ValueError``
    naming the line number and the offending text for anything else.
    """
    if isinstance(lines, str):
        lines = lines.splitlines()
    found = set()
    for number, raw in enumerate(lines, start=1):
        if raw is None:
            continue
        if not isinstance(raw, str):
            raise ValueError(f"line {number}: {raw!r} is not a YYYY-MM-DD date")
        text = raw.split("#", 1)[0].strip()
        if not text:
            continue
        if not _DATE_LINE.match(text):
            raise ValueError(f"line {number}: {raw.strip()!r} is not a YYYY-MM-DD date")
        try:
            found.add(date.fromisoformat(text))
        except ValueError as exc:
            raise ValueError(f"line {number}: {raw.strip()!r} is not a valid date ({exc})") from None
    return sorted(found)


def _local(value: datetime) -> datetime:
    """Naive local (Asia/Ho_Chi_Minh) datetime for a naive or aware datetime."""
    if value.tzinfo is not None and value.utcoffset() is not None:
        return value.astimezone(LOCAL_TZ).replace(tzinfo=None)
    return value.replace(tzinfo=None)


def _is_aware(value) -> bool:
    return isinstance(value, datetime) and value.tzinfo is not None and value.utcoffset() is not None


def _as_datetime(value: date | datetime) -> datetime:
    """Naive local datetime; a plain date means its midnight."""
    if isinstance(value, datetime):
        return _local(value)
    if isinstance(value, date):
        return datetime.combine(value, time.min)
    raise TypeError(f"expected a date or datetime, got {type(value).__name__}")


def _as_date(value: date | datetime) -> date:
    """Local date of a date or (naive or aware) datetime."""
    if isinstance(value, datetime):
        return _local(value).date()
    if isinstance(value, date):
        return value
    raise TypeError(f"expected a date or datetime, got {type(value).__name__}")


def _restore(value: datetime, like) -> datetime:
    """Give a naive local result the awareness of the caller's argument."""
    if _is_aware(like):
        return value.replace(tzinfo=LOCAL_TZ)
    return value


def _override_dates(values: Iterable, name: str) -> frozenset[date]:
    if isinstance(values, (str, date)):
        values = [values]
    out = set()
    for value in values or ():
        if isinstance(value, str):
            out.update(parse_dates([value]))
        elif isinstance(value, (date, datetime)):
            out.add(_as_date(value))
        else:
            raise TypeError(f"{name}: expected dates, got {value!r}")
    return frozenset(out)


def _as_cutoff(cutoff_hour: int | time | None, day_start: time) -> time | None:
    if cutoff_hour is None:
        return None
    if isinstance(cutoff_hour, bool):
        raise TypeError("cutoff_hour must be an hour (int) or a datetime.time")
    if isinstance(cutoff_hour, int):
        if not 0 < cutoff_hour < 24:
            raise ValueError(f"cutoff_hour must be between 1 and 23, got {cutoff_hour}")
        cutoff = time(cutoff_hour)
    elif isinstance(cutoff_hour, time):
        cutoff = cutoff_hour.replace(tzinfo=None)
    else:
        raise TypeError("cutoff_hour must be an hour (int) or a datetime.time")
    if cutoff <= day_start:
        raise ValueError(f"cut-off {cutoff} must be later than the opening time {day_start}")
    return cutoff


class WorkingCalendar:
    """Working days of Vietnamese public bodies, with configurable overrides.

    ``extra_holidays``: dates the government declares off on top of the `holidays`
    package (extended Tết, the weekday given off in a swap).
    ``extra_working_days``: dates declared working days (the Saturday worked in a swap);
    they win over weekends and the package's holidays.  A date may not be in both
    override lists (``ValueError``).
    ``years``: years to compute up front (an int or an iterable); other years are
    computed on first use.  Both override lists accept dates, datetimes (their local
    date) or ``YYYY-MM-DD`` strings.
    ``day_start`` (keyword only): office opening time, used as the start of the clock
    for dossiers received on a day off, before opening or after the cut-off.

    Instances are immutable after construction and safe to share between threads.
    """

    def __init__(
        self,
        extra_holidays: Iterable = (),
        extra_working_days: Iterable = (),
        years: int | Iterable[int] | None = None,
        *,
        day_start: time = DEFAULT_DAY_START,
    ):
        self.extra_holidays = _override_dates(extra_holidays, "extra_holidays")
        self.extra_working_days = _override_dates(extra_working_days, "extra_working_days")
        both = sorted(self.extra_holidays & self.extra_working_days)
        if both:
            listed = ", ".join(d.isoformat() for d in both)
            raise ValueError(f"dates both in extra_holidays and extra_working_days: {listed}")
        if not isinstance(day_start, time):
            raise TypeError("day_start must be a datetime.time")
        self.day_start = day_start.replace(tzinfo=None)
        self._lock = threading.Lock()
        # year -> (holiday dates of that year, weekend dates worked that year)
        self._years: dict[int, tuple[frozenset[date], frozenset[date]]] = {}
        if years is not None:
            for year in [years] if isinstance(years, int) else years:
                self._year(int(year))

    # -- days ---------------------------------------------------------------

    def _year(self, year: int) -> tuple[frozenset[date], frozenset[date]]:
        cached = self._years.get(year)
        if cached is not None:
            return cached
        with self._lock:
            cached = self._years.get(year)
            if cached is None:
                # Neighbouring years too: a swap may cross the new year (the package
                # files the worked Saturday under the year of the day off).
                table = holidays.country_holidays("VN", years=range(year - 1, year + 2))
                days_off = frozenset(d for d in table if d.year == year)
                worked = frozenset(
                    d for d in getattr(table, "weekend_workdays", ()) if d.year == year
                )
                cached = self._years[year] = (days_off, worked)
        return cached

    def is_public_holiday(self, d: date | datetime) -> bool:
        """True if the `holidays` package or ``extra_holidays`` makes ``d`` a day off
        (weekends aside) and it is not an ``extra_working_days`` date."""
        day = _as_date(d)
        if day in self.extra_working_days:
            return False
        return day in self.extra_holidays or day in self._year(day.year)[0]

    def is_working_day(self, d: date | datetime) -> bool:
        """True if ``d`` (a date, or the local date of a datetime) is a working day."""
        day = _as_date(d)
        if day in self.extra_working_days:
            return True
        if day in self.extra_holidays:
            return False
        days_off, worked = self._year(day.year)
        if day.weekday() >= 5:  # Saturday, Sunday
            return day in worked
        return day not in days_off

    def next_working_day(self, d: date | datetime) -> date:
        """The first working day strictly after ``d`` (always a ``date``)."""
        day = _as_date(d)
        for _ in range(_MAX_SCAN_DAYS):
            day += _DAY
            if self.is_working_day(day):
                return day
        raise RuntimeError(f"no working day within {_MAX_SCAN_DAYS} days after {d}")

    def _first_working_day(self, day: date) -> date:
        """``day`` itself if it is a working day, else the next working day."""
        return day if self.is_working_day(day) else self.next_working_day(day)

    # -- receipt --------------------------------------------------------------

    def _effective(self, moment: datetime, cutoff: time | None) -> datetime:
        day = moment.date()
        if not self.is_working_day(day) or (cutoff is not None and moment.time() > cutoff):
            return datetime.combine(self.next_working_day(day), self.day_start)
        if moment.time() < self.day_start:
            return datetime.combine(day, self.day_start)
        return moment

    def effective_receipt(self, received: date | datetime, cutoff_hour: int | time | None = None) -> datetime:
        """The moment the deadline clock starts for a dossier received at ``received``.

        On a day off -> next working day at ``day_start``; on a working day before
        ``day_start`` -> that day at ``day_start``; strictly after ``cutoff_hour`` (an
        hour, or a ``datetime.time`` such as ``time(16, 30)``) -> next working day at
        ``day_start``; otherwise ``received`` itself.  A plain date means its midnight.
        """
        cutoff = _as_cutoff(cutoff_hour, self.day_start)
        return _restore(self._effective(_as_datetime(received), cutoff), received)

    # -- the working-time clock ----------------------------------------------------

    def _advance(self, moment: datetime, amount: timedelta) -> datetime:
        """Move ``amount`` of working time forward from naive local ``moment``."""
        day = moment.date()
        if not self.is_working_day(day):
            day = self.next_working_day(day)
            moment = datetime.combine(day, time.min)
        remaining = amount
        for _ in range(_MAX_SCAN_DAYS * 2):
            left_today = datetime.combine(day + _DAY, time.min) - moment
            if remaining < left_today:
                return moment + remaining
            if remaining == left_today:
                return datetime.combine(day, time.max)
            remaining -= left_today
            day = self.next_working_day(day)
            moment = datetime.combine(day, time.min)
        raise RuntimeError("deadline too far away")  # pragma: no cover

    def _working_time(self, start: datetime, end: datetime) -> timedelta:
        """Working time between naive local ``start`` <= ``end``."""
        total = timedelta(0)
        day = start.date()
        while day <= end.date():
            if self.is_working_day(day):
                lo = max(start, datetime.combine(day, time.min))
                hi = min(end, datetime.combine(day + _DAY, time.min))
                if hi > lo:
                    total += hi - lo
            day += _DAY
        return total

    @staticmethod
    def _days_amount(days: int | float) -> timedelta:
        if isinstance(days, bool) or not isinstance(days, (int, float)):
            raise TypeError(f"days must be a number, got {days!r}")
        if days < 0 or days != days:
            raise ValueError(f"days must be zero or positive, got {days!r}")
        return timedelta(days=days)

    def add_working_days(
        self,
        start: date | datetime,
        days: int | float,
        cutoff_hour: int | time | None = None,
    ) -> datetime:
        """Due date of a dossier received at ``start`` with a ``days`` working-day limit.

        The clock starts at `effective_receipt` (``start`` normalised for days off,
        opening time and ``cutoff_hour``) and the result is ``days`` working days later
        on the working-time clock: same time of day, N working days later (Mon 10:00
        + 1 = Tue 10:00; Fri 10:00 + 1 = Mon 10:00).  ``days`` may be 0 (the effective
        receipt itself) or fractional; negative values raise ``ValueError``.
        """
        amount = self._days_amount(days)
        cutoff = _as_cutoff(cutoff_hour, self.day_start)
        begin = self._effective(_as_datetime(start), cutoff)
        return _restore(self._advance(begin, amount), start)

    def working_days_between(self, start: date | datetime, end: date | datetime) -> float:
        """Working days elapsed from ``start`` to ``end`` on the working-time clock.

        A float: the working time in between divided by 24 hours, rounded to 6 decimals
        (so Mon 10:00 -> Tue 16:00 is 1.25, Fri 12:00 -> Mon 12:00 is 1.0).  Plain dates
        mean midnight, so for two dates it is the whole number of working days ``d`` with
        ``start <= d < end``.  Negative if ``end`` is before ``start``.  No receipt
        normalisation is applied; it is the inverse of `add_working_days` for a start
        that is already an effective receipt.
        """
        a, b = _as_datetime(start), _as_datetime(end)
        if b < a:
            return -self.working_days_between(end, start)
        return round(self._working_time(a, b) / _DAY, 6)

    def due_date_with_pauses(
        self,
        received: date | datetime,
        working_days: int | float,
        pauses: Iterable[tuple[date | datetime, date | datetime | None]] = (),
        cutoff_hour: int | time | None = None,
    ) -> datetime | None:
        """Due date when the clock stops during supplement requests.

        ``pauses`` are ``(requested, supplemented)`` pairs: the clock stops when the
        supplement is requested and restarts when the completed dossier comes back,
        the return being normalised like a receipt (`effective_receipt`, same
        ``cutoff_hour``).  The due date is pushed back by the working time spent
        paused; time on days off costs nothing.  Pauses are taken in order; a pause
        starting before the clock starts is clipped to it, overlapping pauses are
        merged, and a pause starting at or after the (running) due date is ignored
        (the dossier was already due).  If a pause that counts is still open
        (``supplemented`` is ``None``) there is no due date yet: returns ``None``.
        Raises ``ValueError`` for a pause ending before it starts.
        """
        amount = self._days_amount(working_days)
        cutoff = _as_cutoff(cutoff_hour, self.day_start)
        moment = self._effective(_as_datetime(received), cutoff)
        intervals = []
        for pause in pauses:
            requested, supplemented = pause
            p_start = _as_datetime(requested)
            p_end = None if supplemented is None else _as_datetime(supplemented)
            if p_end is not None and p_end < p_start:
                raise ValueError(f"pause ends before it starts: {requested} -> {supplemented}")
            intervals.append((p_start, p_end))
        intervals.sort(key=lambda pair: pair[0])

        remaining = amount
        for p_start, p_end in intervals:
            if p_end is not None and p_end <= moment:
                continue  # wholly before the running clock (or inside an earlier pause)
            p_start = max(p_start, moment)
            used = self._working_time(moment, p_start)
            if used >= remaining:
                break  # the dossier fell due before this pause began
            remaining -= used
            if p_end is None:
                return None
            moment = max(moment, self._effective(p_end, cutoff))
        return _restore(self._advance(moment, remaining), received)

    # -- outcome ------------------------------------------------------------------

    def timeliness(self, due: datetime, completed: datetime) -> str:
        """``'early'``, ``'on_time'`` or ``'late'`` for a dossier finished at ``completed``.

        Compared in local time: ``early`` when completed on a date before the due date's
        date; ``on_time`` when completed on the due date at or before the due time;
        ``late`` when completed after the due time.
        """
        due_local, done_local = _as_datetime(due), _as_datetime(completed)
        if done_local > due_local:
            return LATE
        if done_local.date() < due_local.date():
            return EARLY
        return ON_TIME

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(extra_holidays={len(self.extra_holidays)} dates, "
            f"extra_working_days={len(self.extra_working_days)} dates, day_start={self.day_start})"
        )
