"""Business-time arithmetic across weekends, holidays, make-up days and daylight-saving changes."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.sla.calendar import ELAPSED, Calendar, build_week
from services.sla.catalog import DEFAULT_CALENDAR_DIR, CalendarFile, read_yaml

LONDON, NEW_YORK, SHANGHAI = (ZoneInfo(z) for z in ("Europe/London", "America/New_York",
                                                    "Asia/Shanghai"))


def shipped(name: str) -> Calendar:
    return CalendarFile.model_validate(read_yaml(DEFAULT_CALENDAR_DIR / f"{name}.yaml")).build()


UK, US, CN = shipped("uk-england"), shipped("us-federal"), shipped("cn-mainland")
# Split shifts and a night shift across midnight in a zone with DST, to stress the edges.
NIGHTS = Calendar(
    calendar_id="nights", version="1", timezone="America/New_York",
    week=build_week({"all": ["00:00-02:30", "22:00-24:00"], "sun": []}),
    holidays=frozenset({date(2025, 3, 10), date(2025, 11, 3)}),
)
SPLIT = Calendar(
    calendar_id="split", version="1", timezone="Europe/London",
    week=build_week({d: ["08:00-12:00", "13:00-17:00"] for d in ("mon", "tue", "wed", "fri")}),
)
CALENDARS = [UK, US, CN, NIGHTS, SPLIT, ELAPSED]

calendars = st.sampled_from(CALENDARS)
instants = st.datetimes(
    min_value=datetime(2024, 1, 1), max_value=datetime(2025, 12, 20), timezones=st.just(UTC)
)
durations = st.integers(min_value=0, max_value=120 * 3600 * 10**6).map(
    lambda us: timedelta(microseconds=us)
)
positive = durations.filter(lambda d: d > timedelta(0))


def inside_or_at_close(calendar: Calendar, instant: datetime) -> bool:
    day = calendar.day_of(instant)
    return any(
        opens < instant <= closes
        for d in (day - timedelta(days=1), day)
        for opens, closes in calendar.intervals_on(d)
    )


@settings(max_examples=300, deadline=None)
@given(calendars, instants, durations, durations)
def test_adding_is_monotonic_in_the_duration(calendar, start, a, b):
    shorter, longer = sorted((a, b))
    assert calendar.add(start, shorter) <= calendar.add(start, longer)


@settings(max_examples=300, deadline=None)
@given(calendars, instants, instants, durations)
def test_adding_is_monotonic_in_the_start(calendar, s1, s2, duration):
    early, late = sorted((s1, s2))
    assert calendar.add(early, duration) <= calendar.add(late, duration)


@settings(max_examples=300, deadline=None)
@given(calendars, instants, durations, durations)
def test_adding_in_two_steps_equals_adding_the_sum(calendar, start, a, b):
    assert calendar.add(calendar.add(start, a), b) == calendar.add(start, a + b)


@settings(max_examples=300, deadline=None)
@given(calendars, instants, positive)
def test_a_positive_addition_never_lands_outside_working_hours(calendar, start, duration):
    assert inside_or_at_close(calendar, calendar.add(start, duration))


@settings(max_examples=300, deadline=None)
@given(calendars, instants, durations)
def test_business_time_between_a_start_and_its_sum_is_the_duration(calendar, start, duration):
    assert calendar.between(start, calendar.add(start, duration)) == duration


@settings(max_examples=300, deadline=None)
@given(calendars, instants, instants)
def test_adding_the_time_between_lands_at_or_before_the_end(calendar, s1, s2):
    start, end = sorted((s1, s2))
    landed = calendar.add(start, calendar.between(start, end))
    assert landed <= end
    assert calendar.between(landed, end) == timedelta(0)
    assert calendar.between(end, start) == -calendar.between(start, end)


@settings(max_examples=200, deadline=None)
@given(calendars, instants, instants, instants)
def test_time_between_is_additive_over_a_midpoint(calendar, a, b, c):
    x, y, z = sorted((a, b, c))
    assert calendar.between(x, z) == calendar.between(x, y) + calendar.between(y, z)


def at(zone: ZoneInfo, *args: int) -> datetime:
    return datetime(*args, tzinfo=zone)


def test_two_hours_from_friday_afternoon_cross_the_weekend_and_the_clock_change():
    # 1.5 h until Friday's 17:30 close, 0.5 h on Monday. London moves to BST on Sunday
    # 30 March 2025, so Monday 09:30 BST is 08:30 UTC (on Friday, 16:00 GMT was 16:00 UTC).
    landed = UK.add(at(LONDON, 2025, 3, 28, 16, 0), timedelta(hours=2))
    assert landed == at(LONDON, 2025, 3, 31, 9, 30) == datetime(2025, 3, 31, 8, 30, tzinfo=UTC)


def test_a_night_shift_holds_the_real_hours_worked_when_the_clocks_change():
    shift = Calendar(
        calendar_id="early", version="1", timezone="America/New_York",
        week=build_week({"sun": ["00:00-02:30"]}),
    )
    # 9 March 2025: 02:00 EST jumps to 03:00 EDT, so 02:30 does not exist and is read as
    # 03:30 EDT (as PEP 495 does): 2.5 real hours. 2 November: 01:00-02:00 happens twice: 3.5 h.
    [(opens, closes)] = shift.intervals_on(date(2025, 3, 9))
    assert (opens, closes) == (datetime(2025, 3, 9, 5, 0, tzinfo=UTC),
                               datetime(2025, 3, 9, 7, 30, tzinfo=UTC))
    [(opens, closes)] = shift.intervals_on(date(2025, 11, 2))
    assert closes - opens == timedelta(hours=3, minutes=30)
    assert shift.add(at(NEW_YORK, 2025, 11, 1, 12, 0), timedelta(hours=3)) == datetime(
        2025, 11, 2, 7, 0, tzinfo=UTC
    )


def test_holidays_and_weekends_are_skipped_and_the_time_between_matches():
    # Good Friday 18 April and Easter Monday 21 April 2025 are bank holidays in England.
    start = at(LONDON, 2025, 4, 17, 17, 0)
    assert UK.add(start, timedelta(hours=1)) == at(LONDON, 2025, 4, 22, 9, 30)
    assert UK.between(start, at(LONDON, 2025, 4, 22, 9, 30)) == timedelta(hours=1)


def test_a_chinese_make_up_sunday_is_a_working_day_and_the_spring_festival_is_not():
    sunday_worked = date(2025, 1, 26)
    assert CN.is_working_day(sunday_worked)
    assert not CN.is_working_day(date(2025, 1, 28))
    # Friday 24 Jan 17:00 + 2h: 1h on Friday, then the make-up Sunday at 09:00 + 1h.
    assert CN.add(at(SHANGHAI, 2025, 1, 24, 17, 0), timedelta(hours=2)) == at(
        SHANGHAI, 2025, 1, 26, 10, 0
    )


def test_us_business_hours_skip_independence_day_observed_on_a_friday():
    assert US.add(at(NEW_YORK, 2026, 7, 2, 16, 0), timedelta(hours=2)) == at(
        NEW_YORK, 2026, 7, 6, 10, 0
    )


def test_a_day_deadline_ends_at_local_midnight_and_rolls_past_a_holiday():
    received = at(SHANGHAI, 2025, 9, 16, 15, 0)
    assert CN.end_of_day_after(received, 15, roll_forward=False) == at(SHANGHAI, 2025, 10, 2)
    # 1 October falls in the National Day week: the deadline moves to the end of 9 October.
    assert CN.end_of_day_after(received, 15, roll_forward=True) == at(SHANGHAI, 2025, 10, 10)


def test_close_of_the_third_business_day_after_receipt_skips_the_weekend():
    received = at(LONDON, 2025, 10, 23, 11, 0)  # a Thursday
    assert UK.close_of_business_day_after(received, 3) == at(LONDON, 2025, 10, 28, 17, 30)


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError, match="naive"):
        UK.add(datetime(2025, 1, 1, 9, 0), timedelta(hours=1))


def test_elapsed_time_is_plain_arithmetic_in_any_offset():
    beijing = at(SHANGHAI, 2024, 2, 28, 23, 30)
    assert ELAPSED.add(beijing, timedelta(hours=72)) == at(SHANGHAI, 2024, 3, 2, 23, 30)
