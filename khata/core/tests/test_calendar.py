"""Working time on the agency's calendar: weekends, holidays and daylight-saving changes."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from khata.core.agency import agency_get
from khata.core.calendar import (
    WorkingCalendar,
    add_working_hours,
    days_parse,
    working_calendar,
    working_minutes_between,
)
from khata.core.models import Holiday

UTC = dt.UTC
KOLKATA = WorkingCalendar.build(time_zone="Asia/Kolkata")
BERLIN = WorkingCalendar.build(time_zone="Europe/Berlin", starts=dt.time(9), ends=dt.time(17))
NEW_YORK = WorkingCalendar.build(time_zone="America/New_York", starts=dt.time(9), ends=dt.time(17))


def at(zone: str, year: int, month: int, day: int, hour: int, minute: int = 0) -> dt.datetime:
    """A wall-clock time in a zone, as the UTC moment it is."""
    return dt.datetime(year, month, day, hour, minute, tzinfo=ZoneInfo(zone)).astimezone(UTC)


def test_hours_within_one_day() -> None:
    start = at("Asia/Kolkata", 2026, 11, 25, 10, 0)
    assert add_working_hours(start, hours=3, calendar=KOLKATA) == at("Asia/Kolkata", 2026, 11, 25, 13, 0)


def test_friday_evening_goes_on_on_monday_morning() -> None:
    friday = at("Asia/Kolkata", 2026, 11, 27, 17, 30)  # a Friday, an hour before closing
    due = add_working_hours(friday, hours=2, calendar=KOLKATA)
    assert due == at("Asia/Kolkata", 2026, 11, 30, 10, 30)
    assert working_minutes_between(friday, due, KOLKATA) == 120


def test_a_holiday_is_skipped() -> None:
    calendar = WorkingCalendar.build(time_zone="Asia/Kolkata", holidays=[dt.date(2026, 11, 30)])
    friday = at("Asia/Kolkata", 2026, 11, 27, 17, 30)
    due = add_working_hours(friday, hours=2, calendar=calendar)
    assert due == at("Asia/Kolkata", 2026, 12, 1, 10, 30)
    assert working_minutes_between(friday, due, calendar) == 120


def test_start_outside_hours_counts_from_the_next_opening() -> None:
    saturday = at("Asia/Kolkata", 2026, 11, 28, 12, 0)
    assert add_working_hours(saturday, minutes=30, calendar=KOLKATA) == at(
        "Asia/Kolkata", 2026, 11, 30, 10, 0
    )
    early = at("Asia/Kolkata", 2026, 11, 30, 6, 0)
    assert add_working_hours(early, hours=1, calendar=KOLKATA) == at("Asia/Kolkata", 2026, 11, 30, 10, 30)


def test_a_sum_ending_at_closing_time_gives_the_close() -> None:
    start = at("Asia/Kolkata", 2026, 11, 25, 9, 30)
    assert add_working_hours(start, hours=9, calendar=KOLKATA) == at("Asia/Kolkata", 2026, 11, 25, 18, 30)


def test_berlin_across_the_autumn_clock_change() -> None:
    # Summer time ends on Sunday 25 October 2026: Friday 9:00 is 07:00 UTC, Monday 9:00 is 08:00 UTC.
    friday = at("Europe/Berlin", 2026, 10, 23, 16, 0)
    assert friday == dt.datetime(2026, 10, 23, 14, 0, tzinfo=UTC)
    due = add_working_hours(friday, hours=2, calendar=BERLIN)
    assert due == dt.datetime(2026, 10, 26, 9, 0, tzinfo=UTC)  # Monday 10:00 winter time
    assert due.astimezone(ZoneInfo("Europe/Berlin")).hour == 10
    assert working_minutes_between(friday, due, BERLIN) == 120


def test_new_york_across_the_autumn_clock_change() -> None:
    # Daylight time ends on Sunday 1 November 2026.
    friday = at("America/New_York", 2026, 10, 30, 16, 0)
    assert friday == dt.datetime(2026, 10, 30, 20, 0, tzinfo=UTC)
    due = add_working_hours(friday, hours=2, calendar=NEW_YORK)
    assert due == dt.datetime(2026, 11, 2, 15, 0, tzinfo=UTC)  # Monday 10:00 standard time
    assert working_minutes_between(friday, due, NEW_YORK) == 120


def test_a_whole_week_across_a_clock_change_is_five_working_days() -> None:
    monday = at("Europe/Berlin", 2026, 10, 19, 9, 0)
    next_monday = at("Europe/Berlin", 2026, 10, 26, 9, 0)
    assert working_minutes_between(monday, next_monday, BERLIN) == 5 * 8 * 60
    assert add_working_hours(monday, hours=40, calendar=BERLIN) == at("Europe/Berlin", 2026, 10, 23, 17, 0)


def test_a_round_the_clock_window_counts_the_real_hour_the_clock_change_adds() -> None:
    always = WorkingCalendar.build(
        time_zone="Europe/Berlin", working_days="0,1,2,3,4,5,6", starts=dt.time(0), ends=dt.time(23, 59)
    )
    start = at("Europe/Berlin", 2026, 10, 25, 0, 0)
    end = dt.datetime(2026, 10, 25, 23, 59, tzinfo=ZoneInfo("Europe/Berlin"))
    assert working_minutes_between(start, end, always) == 25 * 60 - 1


def test_minutes_between_is_signed() -> None:
    a = at("Asia/Kolkata", 2026, 11, 25, 10, 0)
    b = at("Asia/Kolkata", 2026, 11, 26, 10, 0)
    assert working_minutes_between(a, b, KOLKATA) == 9 * 60
    assert working_minutes_between(b, a, KOLKATA) == -9 * 60
    assert working_minutes_between(a, a, KOLKATA) == 0


def test_naive_times_and_negative_sums_are_refused() -> None:
    with pytest.raises(ValueError):
        add_working_hours(dt.datetime(2026, 11, 25, 10), hours=1, calendar=KOLKATA)
    with pytest.raises(ValueError):
        add_working_hours(at("Asia/Kolkata", 2026, 11, 25, 10), hours=-1, calendar=KOLKATA)
    with pytest.raises(ValueError):
        WorkingCalendar.build(working_days="")


def test_working_days_are_parsed_forgivingly() -> None:
    assert days_parse("0, 1,2,x,9") == frozenset({0, 1, 2})
    assert days_parse([5, 6]) == frozenset({5, 6})


@pytest.mark.django_db
def test_the_agency_calendar_is_read_once(django_assert_num_queries: object) -> None:
    agency = agency_get()
    agency.time_zone = "Europe/Berlin"
    agency.working_days = "0,1,2,3"
    agency.save()
    Holiday.objects.create(date=dt.date(2026, 12, 24), name="Christmas Eve")
    with django_assert_num_queries(2):  # type: ignore[operator]
        calendar = working_calendar()
    assert calendar.zone == ZoneInfo("Europe/Berlin")
    assert calendar.days == frozenset({0, 1, 2, 3})
    assert calendar.holidays == frozenset({dt.date(2026, 12, 24)})
    assert not calendar.is_working_day(dt.date(2026, 12, 24))
    assert not calendar.is_working_day(dt.date(2026, 11, 27))  # a Friday


# --- properties ---------------------------------------------------------------------------------

CALENDARS = st.sampled_from(
    [
        KOLKATA,
        BERLIN,
        NEW_YORK,
        WorkingCalendar.build(
            time_zone="Europe/Berlin",
            working_days="0,1,2,3,4,5",
            starts=dt.time(8),
            ends=dt.time(12, 15),
            holidays=[dt.date(2026, 10, 26), dt.date(2026, 12, 25), dt.date(2026, 3, 30)],
        ),
        WorkingCalendar.build(
            time_zone="America/New_York",
            working_days="6,0,1,2,3",
            holidays=[dt.date(2026, 11, 2), dt.date(2026, 11, 26)],
        ),
        WorkingCalendar.build(
            time_zone="Europe/Berlin", working_days="0,1,2,3,4,5,6", starts=dt.time(0), ends=dt.time(23, 59)
        ),
    ]
)
MOMENTS = st.datetimes(
    min_value=dt.datetime(2026, 1, 1), max_value=dt.datetime(2027, 12, 31), timezones=st.just(UTC)
).map(lambda moment: moment.replace(second=0, microsecond=0))


@settings(max_examples=300, deadline=None)
@given(calendar=CALENDARS, start=MOMENTS, minutes=st.integers(min_value=0, max_value=60 * 200))
def test_adding_then_measuring_gives_the_same_minutes(
    calendar: WorkingCalendar, start: dt.datetime, minutes: int
) -> None:
    due = add_working_hours(start, minutes=minutes, calendar=calendar)
    assert due >= start
    assert working_minutes_between(start, due, calendar) == minutes


@settings(max_examples=200, deadline=None)
@given(calendar=CALENDARS, start=MOMENTS, minutes=st.integers(min_value=1, max_value=60 * 200))
def test_the_clock_stops_inside_working_hours(
    calendar: WorkingCalendar, start: dt.datetime, minutes: int
) -> None:
    due = add_working_hours(start, minutes=minutes, calendar=calendar)
    local = due.astimezone(calendar.zone)
    assert calendar.is_working_day(local.date())
    assert calendar.starts < local.time() <= calendar.ends


@settings(max_examples=200, deadline=None)
@given(calendar=CALENDARS, a=MOMENTS, b=MOMENTS, c=MOMENTS)
def test_measuring_adds_up_and_is_antisymmetric(
    calendar: WorkingCalendar, a: dt.datetime, b: dt.datetime, c: dt.datetime
) -> None:
    a, b, c = sorted([a, b, c])
    ab = working_minutes_between(a, b, calendar)
    bc = working_minutes_between(b, c, calendar)
    assert ab >= 0 and bc >= 0
    assert ab + bc == working_minutes_between(a, c, calendar)
    assert working_minutes_between(c, a, calendar) == -(ab + bc)


@settings(max_examples=200, deadline=None)
@given(
    calendar=CALENDARS,
    start=MOMENTS,
    first=st.integers(min_value=0, max_value=6000),
    more=st.integers(min_value=0, max_value=6000),
)
def test_adding_more_never_ends_sooner_and_adding_in_steps_is_the_same(
    calendar: WorkingCalendar, start: dt.datetime, first: int, more: int
) -> None:
    once = add_working_hours(start, minutes=first + more, calendar=calendar)
    step = add_working_hours(start, minutes=first, calendar=calendar)
    assert step <= once
    if first:  # from a moment inside the hours the clock goes straight on
        assert add_working_hours(step, minutes=more, calendar=calendar) == once
