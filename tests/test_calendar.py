"""Tests of archive.calendar: working days, deadlines, pauses and timeliness (real dates)."""
from datetime import date, datetime, time, timedelta, timezone

import pytest

from archive.calendar import (
    EARLY,
    LATE,
    LOCAL_TZ,
    ON_TIME,
    WorkingCalendar,
    parse_dates,
)

UTC = timezone.utc


@pytest.fixture(scope="module")
def cal():
    return WorkingCalendar(years=range(2024, 2028))


# The government's New Year 2026 swap (announced 25 Dec 2025): Friday 2 January 2026 off,
# worked on Saturday 10 January 2026. The `holidays` package does not know it.
NEW_YEAR_2026_CONFIG = """
# Tết Dương lịch 2026: hoán đổi ngày làm việc
2026-01-02
"""
NEW_YEAR_2026_WORKED = "2026-01-10  # làm bù thứ Bảy\n"


@pytest.fixture(scope="module")
def cal_2026():
    return WorkingCalendar(
        extra_holidays=parse_dates(NEW_YEAR_2026_CONFIG),
        extra_working_days=parse_dates(NEW_YEAR_2026_WORKED),
    )


def days(first, last):
    out, d = [], first
    while d <= last:
        out.append(d)
        d += timedelta(days=1)
    return out


# -- weekends and the holidays package --------------------------------------------


def test_plain_week(cal):
    assert [cal.is_working_day(d) for d in days(date(2026, 3, 9), date(2026, 3, 15))] == [
        True, True, True, True, True, False, False,
    ]


def test_new_year_day(cal):
    assert not cal.is_working_day(date(2025, 1, 1))
    assert not cal.is_working_day(date(2026, 1, 1))
    assert cal.is_public_holiday(date(2026, 1, 1))


def test_tet_2025_official_nine_day_break_needs_no_override(cal):
    # Lunar New Year Wed 29 Jan 2025; civil servants off Sat 25 Jan - Sun 2 Feb 2025
    # (5 Tết days + 1 compensatory day for mùng 4 on Saturday + weekends).
    assert all(not cal.is_working_day(d) for d in days(date(2025, 1, 25), date(2025, 2, 2)))
    assert cal.is_working_day(date(2025, 1, 24))
    assert cal.is_working_day(date(2025, 2, 3))
    assert cal.next_working_day(date(2025, 1, 24)) == date(2025, 2, 3)
    assert cal.add_working_days(datetime(2025, 1, 24, 10), 1) == datetime(2025, 2, 3, 10)
    assert cal.working_days_between(date(2025, 1, 20), date(2025, 2, 10)) == 10


def test_tet_2026_official_break_is_covered(cal):
    # Lunar New Year Tue 17 Feb 2026; the official break is Sat 14 - Sun 22 Feb 2026:
    # the package gives Mon 16 - Fri 20 (29 Tết to mùng 4), the rest is weekends.
    assert all(not cal.is_working_day(d) for d in days(date(2026, 2, 14), date(2026, 2, 22)))
    assert all(cal.is_public_holiday(d) for d in days(date(2026, 2, 16), date(2026, 2, 20)))
    assert cal.is_working_day(date(2026, 2, 13))
    assert cal.is_working_day(date(2026, 2, 23))
    # received Thu 12 Feb 14:00 with 3 working days: Fri 13, Mon 23, Tue 24 Feb
    assert cal.add_working_days(datetime(2026, 2, 12, 14), 3) == datetime(2026, 2, 24, 14)


def test_tet_2026_government_days_given_as_overrides():
    # An administrator enters the government's announced break (27 Tết - mùng 6) as
    # configuration text; overlap with the package is harmless.
    lines = "\n".join(d.isoformat() for d in days(date(2026, 2, 14), date(2026, 2, 22)))
    cal = WorkingCalendar(extra_holidays=parse_dates(lines))
    assert cal.extra_holidays == frozenset(days(date(2026, 2, 14), date(2026, 2, 22)))
    assert all(not cal.is_working_day(d) for d in days(date(2026, 2, 14), date(2026, 2, 22)))
    assert cal.next_working_day(date(2026, 2, 13)) == date(2026, 2, 23)
    assert cal.working_days_between(date(2026, 2, 9), date(2026, 3, 2)) == 10


def test_hung_kings_day_2025(cal):
    # 10th day of the 3rd lunar month = Mon 7 Apr 2025
    assert not cal.is_working_day(date(2025, 4, 7))
    assert cal.is_working_day(date(2025, 4, 8))


def test_hung_kings_day_2026_on_sunday_is_observed_monday(cal):
    assert date(2026, 4, 26).weekday() == 6
    assert cal.is_public_holiday(date(2026, 4, 26))
    assert not cal.is_working_day(date(2026, 4, 27))  # observed Monday
    assert cal.is_working_day(date(2026, 4, 28))


def test_reunification_and_labour_day_2026(cal):
    # Sat 25 Apr - Sun 3 May 2026: only Tue 28 and Wed 29 are worked.
    worked = [d for d in days(date(2026, 4, 25), date(2026, 5, 3)) if cal.is_working_day(d)]
    assert worked == [date(2026, 4, 28), date(2026, 4, 29)]
    assert cal.add_working_days(datetime(2026, 4, 24, 10), 3) == datetime(2026, 5, 4, 10)
    assert cal.working_days_between(date(2026, 4, 24), date(2026, 5, 5)) == 4


def test_swapped_saturday_2025_from_the_package(cal):
    # 2025: Fri 2 May off in exchange for working Sat 26 Apr 2025.
    assert cal.is_working_day(date(2025, 4, 26))
    assert not cal.is_working_day(date(2025, 5, 2))
    assert cal.next_working_day(date(2025, 4, 25)) == date(2025, 4, 26)
    assert cal.add_working_days(datetime(2025, 4, 25, 9), 1) == datetime(2025, 4, 26, 9)
    assert cal.add_working_days(datetime(2025, 4, 29, 9), 1) == datetime(2025, 5, 5, 9)


def test_national_day_with_adjacent_day(cal):
    # 2024: Mon 2 + Tue 3 Sep; 2025: Mon 1 + Tue 2 Sep.
    assert not cal.is_working_day(date(2024, 9, 2))
    assert not cal.is_working_day(date(2024, 9, 3))
    assert cal.is_working_day(date(2024, 9, 4))
    assert not cal.is_working_day(date(2025, 9, 1))
    assert not cal.is_working_day(date(2025, 9, 2))
    assert cal.is_working_day(date(2025, 9, 3))
    assert cal.add_working_days(datetime(2025, 8, 29, 15), 1) == datetime(2025, 9, 3, 15)


def test_national_day_2026_with_package_swap(cal):
    # The package: Tue 1 + Wed 2 Sep 2026, Mon 31 Aug off for Sat 22 Aug worked.
    assert not cal.is_working_day(date(2026, 9, 1))
    assert not cal.is_working_day(date(2026, 9, 2))
    assert not cal.is_working_day(date(2026, 8, 31))
    assert cal.is_working_day(date(2026, 8, 22))
    assert not cal.is_working_day(date(2026, 8, 23))


# -- overrides ----------------------------------------------------------------------


def test_new_year_2026_swap_missing_from_package(cal):
    assert cal.is_working_day(date(2026, 1, 2))
    assert not cal.is_working_day(date(2026, 1, 10))


def test_new_year_2026_swap_as_overrides(cal, cal_2026):
    assert not cal_2026.is_working_day(date(2026, 1, 2))
    assert cal_2026.is_public_holiday(date(2026, 1, 2))
    assert cal_2026.is_working_day(date(2026, 1, 10))  # swapped Saturday
    assert not cal_2026.is_working_day(date(2026, 1, 11))
    assert cal_2026.next_working_day(date(2025, 12, 31)) == date(2026, 1, 5)
    assert cal_2026.next_working_day(date(2026, 1, 9)) == date(2026, 1, 10)
    received = datetime(2025, 12, 31, 9)
    assert cal.add_working_days(received, 2) == datetime(2026, 1, 5, 9)
    assert cal_2026.add_working_days(received, 2) == datetime(2026, 1, 6, 9)
    assert cal_2026.working_days_between(date(2026, 1, 5), date(2026, 1, 12)) == 6
    assert cal_2026.add_working_days(datetime(2026, 1, 9, 14), 1) == datetime(2026, 1, 10, 14)


def test_extra_working_day_wins_over_package_holiday():
    cal = WorkingCalendar(extra_working_days=[date(2026, 4, 27)])
    assert cal.is_working_day(date(2026, 4, 27))
    assert not cal.is_public_holiday(date(2026, 4, 27))


def test_overrides_accept_strings_and_datetimes():
    cal = WorkingCalendar(
        extra_holidays=["2026-01-02"],
        extra_working_days=[datetime(2026, 1, 10, 3, tzinfo=UTC)],
    )
    assert cal.extra_holidays == {date(2026, 1, 2)}
    assert cal.extra_working_days == {date(2026, 1, 10)}


def test_same_date_in_both_overrides_is_refused():
    with pytest.raises(ValueError, match="2026-01-02"):
        WorkingCalendar(extra_holidays=[date(2026, 1, 2)], extra_working_days=["2026-01-02"])


# -- parse_dates --------------------------------------------------------------------


def test_parse_dates_lines_comments_order_and_duplicates():
    text = "2026-01-10\n\n  2026-01-02  \n# comment\n2026-01-02 # again\n"
    assert parse_dates(text) == [date(2026, 1, 2), date(2026, 1, 10)]
    assert parse_dates(("2025-04-26", "")) == [date(2025, 4, 26)]
    assert parse_dates([]) == []


@pytest.mark.parametrize(
    "bad, shown",
    [
        ("2026/01/02", "2026/01/02"),
        ("02-01-2026", "02-01-2026"),
        ("2026-02-30", "2026-02-30"),
        ("20260102", "20260102"),
        ("2026-1-2", "2026-1-2"),
        ("Tết", "Tết"),
    ],
)
def test_parse_dates_names_the_bad_line(bad, shown):
    with pytest.raises(ValueError) as info:
        parse_dates(["2026-01-02", bad])
    message = str(info.value)
    assert "line 2" in message
    assert shown in message


def test_bad_override_line_from_configuration_text():
    with pytest.raises(ValueError, match=r"line 3: '2026-13-01'"):
        WorkingCalendar(extra_holidays=parse_dates("2026-01-02\n\n2026-13-01\n"))


# -- cut-off and receipt ------------------------------------------------------------


def test_same_time_next_working_day(cal):
    assert cal.add_working_days(datetime(2026, 3, 9, 10), 1) == datetime(2026, 3, 10, 10)
    assert cal.add_working_days(datetime(2026, 3, 13, 10), 1) == datetime(2026, 3, 16, 10)
    assert cal.add_working_days(datetime(2026, 3, 9, 10), 0) == datetime(2026, 3, 9, 10)
    assert cal.add_working_days(datetime(2026, 3, 9, 10), 15) == datetime(2026, 3, 30, 10)


def test_cutoff_hour(cal):
    late_in_day = datetime(2026, 3, 9, 16, 30)  # Monday
    assert cal.add_working_days(late_in_day, 1) == datetime(2026, 3, 10, 16, 30)
    assert cal.effective_receipt(late_in_day, cutoff_hour=16) == datetime(2026, 3, 10, 7, 30)
    assert cal.add_working_days(late_in_day, 1, cutoff_hour=16) == datetime(2026, 3, 11, 7, 30)
    # exactly at the cut-off still counts the same day
    assert cal.add_working_days(datetime(2026, 3, 9, 16), 1, cutoff_hour=16) == datetime(2026, 3, 10, 16)
    assert cal.add_working_days(late_in_day, 1, cutoff_hour=time(16, 45)) == datetime(2026, 3, 10, 16, 30)


def test_cutoff_before_tet_2026(cal):
    # Fri 13 Feb 2026 after the cut-off: the clock starts Mon 23 Feb at opening.
    assert cal.add_working_days(datetime(2026, 2, 13, 17), 2, cutoff_hour=16) == datetime(2026, 2, 25, 7, 30)


def test_received_on_day_off_or_before_opening(cal):
    saturday = datetime(2026, 3, 14, 10)
    assert cal.effective_receipt(saturday) == datetime(2026, 3, 16, 7, 30)
    assert cal.add_working_days(saturday, 1) == datetime(2026, 3, 17, 7, 30)
    assert cal.add_working_days(datetime(2026, 3, 9, 6), 1) == datetime(2026, 3, 10, 7, 30)
    assert cal.add_working_days(date(2026, 3, 9), 2) == datetime(2026, 3, 11, 7, 30)
    other = WorkingCalendar(day_start=time(8, 0))
    assert other.add_working_days(saturday, 1) == datetime(2026, 3, 17, 8)


def test_bad_cutoff_and_days(cal):
    with pytest.raises(ValueError):
        cal.add_working_days(datetime(2026, 3, 9, 10), 1, cutoff_hour=25)
    with pytest.raises(ValueError):
        cal.add_working_days(datetime(2026, 3, 9, 10), 1, cutoff_hour=7)  # before opening
    with pytest.raises(ValueError):
        cal.add_working_days(datetime(2026, 3, 9, 10), -1)
    with pytest.raises(TypeError):
        cal.add_working_days(datetime(2026, 3, 9, 10), "3")


# -- fractions and working_days_between ----------------------------------------------


def test_fractional_days(cal):
    assert cal.add_working_days(datetime(2026, 3, 9, 7, 30), 0.5) == datetime(2026, 3, 9, 19, 30)
    # exactly the end of a working day: that day's last instant, not Saturday midnight
    assert cal.add_working_days(datetime(2026, 3, 13, 12), 0.5) == datetime.combine(date(2026, 3, 13), time.max)
    assert cal.working_days_between(datetime(2026, 3, 9, 10), datetime(2026, 3, 10, 16)) == 1.25
    assert cal.working_days_between(datetime(2026, 3, 13, 12), datetime(2026, 3, 16, 12)) == 1.0
    assert cal.working_days_between(datetime(2026, 3, 16, 12), datetime(2026, 3, 13, 12)) == -1.0
    assert cal.working_days_between(datetime(2026, 3, 14, 9), datetime(2026, 3, 15, 18)) == 0


@pytest.mark.parametrize(
    "start",
    [
        datetime(2025, 1, 22, 9, 15),
        datetime(2025, 4, 24, 16, 0),
        datetime(2025, 8, 28, 8, 0),
        datetime(2026, 2, 11, 10, 45),
        datetime(2026, 4, 23, 14, 0),
        datetime(2026, 8, 20, 11, 0),
    ],
)
def test_add_and_between_are_inverse(cal, start):
    for n in range(0, 16):
        due = cal.add_working_days(start, n)
        assert cal.is_working_day(due)
        assert due.time() == start.time()
        assert cal.working_days_between(start, due) == n


# -- supplement pauses ------------------------------------------------------------------


def test_pause_spanning_a_weekend(cal):
    received = datetime(2026, 3, 2, 9)  # Monday
    assert cal.due_date_with_pauses(received, 5) == datetime(2026, 3, 9, 9)
    # supplement requested Thu 5 Mar 09:00, completed Mon 9 Mar 09:00: 2 working days paused
    pauses = [(datetime(2026, 3, 5, 9), datetime(2026, 3, 9, 9))]
    assert cal.due_date_with_pauses(received, 5, pauses) == datetime(2026, 3, 11, 9)


def test_pause_ending_on_weekend_restarts_at_opening(cal):
    received = datetime(2026, 3, 2, 9)
    pauses = [(datetime(2026, 3, 5, 9), datetime(2026, 3, 7, 10))]  # back on Saturday
    assert cal.due_date_with_pauses(received, 5, pauses) == datetime(2026, 3, 11, 7, 30)


def test_pause_over_tet_2026_costs_only_working_days(cal):
    received = datetime(2026, 2, 9, 10)  # Monday
    # Tue 10, Wed 11, Thu 12, Fri 13, (Tết 14-22), Mon 23 Feb
    assert cal.due_date_with_pauses(received, 5) == datetime(2026, 2, 23, 10)
    pauses = [(datetime(2026, 2, 12, 10), datetime(2026, 2, 23, 10))]  # Thu -> Mon after Tết
    # paused working time: Thu 12 10:00 - Mon 23 10:00 minus Tết and weekends = 2 days
    assert cal.due_date_with_pauses(received, 5, pauses) == datetime(2026, 2, 25, 10)


def test_several_pauses_overlaps_and_cutoff(cal):
    received = datetime(2026, 3, 2, 17)  # after a 16:00 cut-off -> Tue 3 Mar 07:30
    pauses = [
        (datetime(2026, 3, 4, 7, 30), datetime(2026, 3, 5, 7, 30)),  # 1 day
        (datetime(2026, 3, 4, 12), datetime(2026, 3, 4, 15)),  # inside the first one
        (datetime(2026, 3, 6, 7, 30), datetime(2026, 3, 6, 17)),  # back after cut-off -> Mon 07:30
    ]
    # without pauses: Tue 3 Mar 07:30 + 5 = Tue 10 Mar 07:30; paused 1 + 1 working days
    assert cal.due_date_with_pauses(received, 5, cutoff_hour=16) == datetime(2026, 3, 10, 7, 30)
    assert cal.due_date_with_pauses(received, 5, pauses, cutoff_hour=16) == datetime(2026, 3, 12, 7, 30)


def test_pause_after_due_date_is_ignored_and_open_pause_has_no_due(cal):
    received = datetime(2026, 3, 2, 9)
    late_pause = [(datetime(2026, 3, 10, 9), datetime(2026, 3, 12, 9))]
    assert cal.due_date_with_pauses(received, 5, late_pause) == datetime(2026, 3, 9, 9)
    open_pause = [(datetime(2026, 3, 4, 9), None)]
    assert cal.due_date_with_pauses(received, 5, open_pause) is None
    with pytest.raises(ValueError):
        cal.due_date_with_pauses(received, 5, [(datetime(2026, 3, 5), datetime(2026, 3, 4))])


def test_pause_before_receipt_is_clipped(cal):
    received = datetime(2026, 3, 2, 9)
    pauses = [(datetime(2026, 2, 27, 9), datetime(2026, 3, 3, 9))]
    assert cal.due_date_with_pauses(received, 5, pauses) == datetime(2026, 3, 10, 9)


# -- timeliness ----------------------------------------------------------------------------


def test_timeliness(cal):
    due = datetime(2026, 3, 11, 9)  # Wednesday
    assert cal.timeliness(due, datetime(2026, 3, 10, 16)) == EARLY
    assert cal.timeliness(due, datetime(2026, 3, 11, 8)) == ON_TIME
    assert cal.timeliness(due, datetime(2026, 3, 11, 9)) == ON_TIME
    assert cal.timeliness(due, datetime(2026, 3, 11, 9, 1)) == LATE
    assert cal.timeliness(due, datetime(2026, 3, 12, 8)) == LATE
    assert (EARLY, ON_TIME, LATE) == ("early", "on_time", "late")


def test_timeliness_with_pauses_and_tet(cal):
    due = cal.due_date_with_pauses(datetime(2026, 2, 9, 10), 5, [(datetime(2026, 2, 12, 10), datetime(2026, 2, 23, 10))])
    assert due == datetime(2026, 2, 25, 10)
    assert cal.timeliness(due, datetime(2026, 2, 24, 17)) == EARLY
    assert cal.timeliness(due, datetime(2026, 2, 25, 9, 59)) == ON_TIME
    assert cal.timeliness(due, datetime(2026, 2, 25, 10, 1)) == LATE


# -- time zones ----------------------------------------------------------------------------


def test_aware_datetimes_use_local_date(cal):
    # Sun 8 Mar 2026 20:00 UTC is Mon 9 Mar 03:00 in Hanoi
    moment = datetime(2026, 3, 8, 20, tzinfo=UTC)
    assert cal.is_working_day(moment)
    due = cal.add_working_days(moment, 1)
    assert due.tzinfo is not None
    assert due == datetime(2026, 3, 10, 7, 30, tzinfo=LOCAL_TZ)
    assert due.utcoffset() == timedelta(hours=7)
    # Fri 13 Mar 2026 18:00 UTC is Sat 01:00 local: a day off
    assert not cal.is_working_day(datetime(2026, 3, 13, 18, tzinfo=UTC))
    assert cal.next_working_day(datetime(2026, 3, 13, 18, tzinfo=UTC)) == date(2026, 3, 16)


def test_naive_in_naive_out_and_mixing(cal):
    due = cal.add_working_days(datetime(2026, 3, 9, 10), 1)
    assert due.tzinfo is None
    aware_due = datetime(2026, 3, 11, 2, tzinfo=UTC)  # 09:00 local
    assert cal.timeliness(aware_due, datetime(2026, 3, 11, 8, 59)) == ON_TIME
    assert cal.timeliness(aware_due, datetime(2026, 3, 11, 9, 30)) == LATE
    assert cal.working_days_between(datetime(2026, 3, 9, 3, tzinfo=UTC), datetime(2026, 3, 10, 10)) == 1.0
    paused = cal.due_date_with_pauses(
        datetime(2026, 3, 2, 2, tzinfo=UTC),
        5,
        [(datetime(2026, 3, 5, 9), datetime(2026, 3, 9, 2, tzinfo=UTC))],
    )
    assert paused == datetime(2026, 3, 11, 9, tzinfo=LOCAL_TZ)
