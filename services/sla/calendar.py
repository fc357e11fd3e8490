"""Business calendars: working hours in a time zone, weekends and holidays; time counted in them.

Every instant goes in and comes out timezone-aware (results in UTC). A duration counted in a
calendar is the working time it contains, so `add` and `between` are each other's inverse.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_MINUTES = 24 * 60
# A calendar with no working time within this many days is refused rather than searched forever.
MAX_SEARCH_DAYS = 3660
ZERO = timedelta(0)

Span = tuple[int, int]  # minutes since local midnight: [start, end), end up to 24:00


class NoWorkingTime(ValueError):
    """The calendar has no working time where some was needed."""


@dataclass(frozen=True)
class Calendar:
    """Working hours per weekday in one time zone, minus holidays, plus make-up working days."""

    calendar_id: str
    version: str
    timezone: str
    week: tuple[tuple[Span, ...], ...]  # Monday first
    holidays: frozenset[date] = frozenset()
    extra_working_days: frozenset[date] = frozenset()
    extra_day_hours: tuple[Span, ...] = ((9 * 60, 18 * 60),)
    # The years [first, last] whose holidays the calendar knows; None: every year (it has none).
    covers: tuple[int, int] | None = None
    _cache: dict[date, tuple[tuple[datetime, datetime], ...]] = field(
        default_factory=dict, compare=False, hash=False, repr=False
    )

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def elapsed(self) -> bool:
        """True when every instant is working time: business time is plain elapsed time."""
        return (
            self.timezone in ("UTC", "Etc/UTC")
            and all(spans == ((0, DAY_MINUTES),) for spans in self.week)
            and not self.holidays
        )

    def covers_year(self, year: int) -> bool:
        """Whether the calendar knows the holidays of this year (outside them it knows none)."""
        return self.covers is None or self.covers[0] <= year <= self.covers[1]

    def uncovered_years(self, start: datetime, end: datetime) -> tuple[int, ...]:
        """The years of the local days from `start` to `end` whose holidays it does not know."""
        first, last = sorted((self.day_of(start).year, self.day_of(end).year))
        return tuple(y for y in range(first, last + 1) if not self.covers_year(y))

    def day_of(self, instant: datetime) -> date:
        """The local date of an instant."""
        return _aware(instant).astimezone(self.zone).date()

    def midnight(self, day: date) -> datetime:
        """The instant (UTC) a local day begins."""
        return datetime.combine(day, time(0), tzinfo=self.zone).astimezone(UTC)

    def is_working_day(self, day: date) -> bool:
        """Whether the local day has any working time."""
        return bool(self.intervals_on(day))

    def intervals_on(self, day: date) -> tuple[tuple[datetime, datetime], ...]:
        """The working intervals [open, close) of a local day, in UTC, in order."""
        cached = self._cache.get(day)
        if cached is None:
            cached = self._cache[day] = self._intervals(day)
        return cached

    def _intervals(self, day: date) -> tuple[tuple[datetime, datetime], ...]:
        if day in self.holidays and day not in self.extra_working_days:
            return ()
        spans = self.extra_day_hours if day in self.extra_working_days else self.week[day.weekday()]
        out: list[tuple[datetime, datetime]] = []
        for start, end in spans:
            opens, closes = self._local(day, start), self._local(day, end)
            if out and opens < out[-1][1]:  # a daylight-saving gap can fold spans over
                opens = out[-1][1]
            if closes > opens:
                out.append((opens, closes))
        return tuple(out)

    def _local(self, day: date, minutes: int) -> datetime:
        if minutes == DAY_MINUTES:
            return self.midnight(day + timedelta(days=1))
        local = datetime.combine(day, time(minutes // 60, minutes % 60), tzinfo=self.zone)
        return local.astimezone(UTC)

    def add(self, start: datetime, duration: timedelta) -> datetime:
        """The earliest instant by which `duration` of working time has passed since `start`."""
        start = _aware(start).astimezone(UTC)
        if duration < ZERO:
            raise ValueError(f"negative duration {duration}")
        if duration == ZERO:
            return start
        if self.elapsed:
            return start + duration
        remaining = duration
        day = self.day_of(start)
        for _ in range(MAX_SEARCH_DAYS):
            for opens, closes in self.intervals_on(day):
                if closes <= start:
                    continue
                begin = max(opens, start)
                if closes - begin >= remaining:
                    return begin + remaining
                remaining -= closes - begin
            day += timedelta(days=1)
        raise NoWorkingTime(f"{self.calendar_id}: no working time within {MAX_SEARCH_DAYS} days")

    def between(self, start: datetime, end: datetime) -> timedelta:
        """Working time in [start, end); negative when end is before start."""
        start, end = _aware(start).astimezone(UTC), _aware(end).astimezone(UTC)
        if end < start:
            return -self.between(end, start)
        if self.elapsed:
            return end - start
        total = ZERO
        day = self.day_of(start)
        while self.midnight(day) < end:
            for opens, closes in self.intervals_on(day):
                low, high = max(opens, start), min(closes, end)
                if high > low:
                    total += high - low
            day += timedelta(days=1)
        return total

    def end_of_day_after(self, start: datetime, days: int, *, roll_forward: bool) -> datetime:
        """Midnight ending the `days`-th local day after the day of `start` (that day not counted).

        With `roll_forward`, a last day that is not a working day moves to the next one that is,
        as civil-law deadlines do when they end on a public holiday.
        """
        day = self.day_of(start) + timedelta(days=days)
        for _ in range(MAX_SEARCH_DAYS):
            if not roll_forward or self.is_working_day(day):
                return self.midnight(day + timedelta(days=1))
            day += timedelta(days=1)
        raise NoWorkingTime(f"{self.calendar_id}: no working day after {day}")

    def close_of_business_day_after(self, start: datetime, days: int) -> datetime:
        """Closing time of the `days`-th working day after the local day of `start`."""
        day, found = self.day_of(start), 0
        for _ in range(MAX_SEARCH_DAYS):
            day += timedelta(days=1)
            if self.is_working_day(day):
                found += 1
                if found == days:
                    return self.intervals_on(day)[-1][1]
        raise NoWorkingTime(f"{self.calendar_id}: fewer than {days} working days ahead")


def _aware(instant: datetime) -> datetime:
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError(f"naive datetime {instant!r}: calendars need timezone-aware instants")
    return instant


def parse_span(text: str) -> Span:
    """'09:00-17:30' as minutes since midnight; '24:00' ends the day."""
    try:
        start, end = (part.strip() for part in text.split("-"))
        minutes = [int(h) * 60 + int(m) for h, m in (p.split(":") for p in (start, end))]
    except ValueError as error:
        raise ValueError(f"working hours must read HH:MM-HH:MM, not {text!r}") from error
    if not (0 <= minutes[0] < minutes[1] <= DAY_MINUTES):
        raise ValueError(f"working hours {text!r} must open before they close, within the day")
    return minutes[0], minutes[1]


def build_week(days: Mapping[str, Iterable[str]]) -> tuple[tuple[Span, ...], ...]:
    """Per-weekday spans from `{mon: ["09:00-18:00"], ...}`; `all` sets every day at once."""
    unknown = set(days) - {*WEEKDAYS, "all"}
    if unknown:
        raise ValueError(f"unknown weekday(s) {sorted(unknown)}; use {', '.join(WEEKDAYS)} or all")
    default = days.get("all", ())
    week = []
    for name in WEEKDAYS:
        spans = sorted(parse_span(text) for text in days.get(name, default))
        for (_, end), (start, _) in pairwise(spans):
            if start < end:
                raise ValueError(f"{name}: working hours overlap")
        week.append(tuple(spans))
    return tuple(week)


ELAPSED = Calendar(
    calendar_id="24x7", version="1", timezone="UTC", week=(((0, DAY_MINUTES),),) * 7
)
