"""The agency's working calendar: deadlines and SLA clocks count working time only.

The agency works on some weekdays (``Agency.working_days``, Monday 0), between two wall-clock times
(``work_starts``, ``work_ends``) in its time zone, except on its ``Holiday`` dates. Times are stored in
UTC; each working day is turned into its window in UTC through the time zone, so a daylight-saving
change moves the window's UTC hours and never its length on the wall clock. What counts is the time
that really elapses inside the windows: a window that contains a clock change (only a calendar that
works through the night could have one) counts its real length.

``working_calendar()`` reads the agency and its holidays once (two queries) into a frozen
``WorkingCalendar``; the functions below are pure and take it as an argument, so a list of a
thousand claims costs no more queries than one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from zoneinfo import ZoneInfo

UTC = dt.UTC
MINUTE = dt.timedelta(minutes=1)
# A calendar with no working day would send the search for the next working minute on forever.
MAX_DAYS = 3660


@dataclass(frozen=True)
class WorkingCalendar:
    """Working weekdays and hours in a time zone, and the holidays."""

    zone: ZoneInfo
    days: frozenset[int]
    starts: dt.time
    ends: dt.time
    holidays: frozenset[dt.date]

    def __post_init__(self) -> None:
        if not self.days:
            raise ValueError("A working calendar needs at least one working day.")
        if self.ends <= self.starts:
            raise ValueError("The working day must end after it starts.")

    @classmethod
    def build(
        cls,
        *,
        time_zone: str = "Asia/Kolkata",
        working_days: str | Iterable[int] = "0,1,2,3,4",
        starts: dt.time = dt.time(9, 30),
        ends: dt.time = dt.time(18, 30),
        holidays: Iterable[dt.date] = (),
    ) -> WorkingCalendar:
        """A calendar from the agency's settings (``working_days`` as ``"0,1,2,3,4"`` or numbers)."""
        return cls(
            zone=ZoneInfo(time_zone),
            days=days_parse(working_days),
            starts=starts,
            ends=ends,
            holidays=frozenset(holidays),
        )

    def is_working_day(self, day: dt.date) -> bool:
        return day.weekday() in self.days and day not in self.holidays

    def window(self, day: dt.date) -> tuple[dt.datetime, dt.datetime] | None:
        """The working hours of a local date as an interval in UTC, or None on a day off."""
        if not self.is_working_day(day):
            return None
        start = dt.datetime.combine(day, self.starts, tzinfo=self.zone).astimezone(UTC)
        end = dt.datetime.combine(day, self.ends, tzinfo=self.zone).astimezone(UTC)
        return start, end

    def local_date(self, moment: dt.datetime) -> dt.date:
        return moment.astimezone(self.zone).date()

    def windows_from(self, moment: dt.datetime) -> Iterator[tuple[dt.datetime, dt.datetime]]:
        """The working windows from the local day of ``moment`` on (bounded, see ``MAX_DAYS``)."""
        day = self.local_date(moment)
        for offset in range(MAX_DAYS):
            window = self.window(day + dt.timedelta(days=offset))
            if window is not None:
                yield window


def days_parse(value: str | Iterable[int]) -> frozenset[int]:
    """``"0,1,2,3,4"`` → {0, 1, 2, 3, 4}; anything that is not a weekday number is ignored."""
    items: Iterable[object] = value.split(",") if isinstance(value, str) else value
    days: set[int] = set()
    for item in items:
        try:
            number = int(str(item).strip())
        except ValueError:
            continue
        if 0 <= number <= 6:
            days.add(number)
    return frozenset(days)


def working_calendar() -> WorkingCalendar:
    """The agency's calendar with every holiday, read once."""
    from khata.core.agency import agency_get
    from khata.core.models import Holiday

    agency = agency_get()
    return WorkingCalendar.build(
        time_zone=agency.time_zone,
        working_days=agency.working_days,
        starts=agency.work_starts,
        ends=agency.work_ends,
        holidays=Holiday.objects.values_list("date", flat=True),
    )


def _aware(moment: dt.datetime) -> dt.datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("Working time is counted between aware datetimes only.")
    return moment.astimezone(UTC)


def add_working_hours(
    start: dt.datetime, *, hours: int = 0, minutes: int = 0, calendar: WorkingCalendar
) -> dt.datetime:
    """The moment (in UTC) when ``hours`` and ``minutes`` of working time after ``start`` have passed.

    Time outside the windows does not count: from Friday evening, the clock goes on on Monday
    morning (or on Tuesday after a holiday). Adding nothing gives ``start`` back; a sum that ends
    exactly at the close of a working day gives that close, not the next morning.
    """
    left = dt.timedelta(hours=hours, minutes=minutes)
    if left < dt.timedelta(0):
        raise ValueError("Working time to add cannot be negative.")
    start = _aware(start)
    if not left:
        return start
    for window_start, window_end in calendar.windows_from(start):
        begin = max(start, window_start)
        if begin >= window_end:
            continue
        available = window_end - begin
        if left <= available:
            return begin + left
        left -= available
    raise ValueError("The working calendar has no working time in the next ten years.")


def working_time_between(a: dt.datetime, b: dt.datetime, calendar: WorkingCalendar) -> dt.timedelta:
    """The working time from ``a`` to ``b``; negative when ``b`` comes first."""
    a, b = _aware(a), _aware(b)
    if b < a:
        return -working_time_between(b, a, calendar)
    total = dt.timedelta(0)
    last_day = calendar.local_date(b)
    day = calendar.local_date(a)
    while day <= last_day:
        window = calendar.window(day)
        if window is not None:
            begin, end = max(a, window[0]), min(b, window[1])
            if end > begin:
                total += end - begin
        day += dt.timedelta(days=1)
    return total


def working_minutes_between(a: dt.datetime, b: dt.datetime, calendar: WorkingCalendar) -> int:
    """Whole working minutes from ``a`` to ``b`` (rounded towards zero); negative when ``b`` comes first."""
    time = working_time_between(a, b, calendar)
    if time < dt.timedelta(0):
        return -((-time) // MINUTE)
    return time // MINUTE
