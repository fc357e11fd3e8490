"""How far the calendars in force know their holidays, and what an operator should hear about.

A calendar file lists the holidays of the years it `covers`; outside them it knows none, and a
deadline counted there would treat a public holiday as a working day. Pure: the catalog and the
instant come in, findings go out (the metric and /readyz show them).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from services.sla.calendar import Calendar
from services.sla.catalog import Catalog

# New clocks compute deadlines up to this far ahead: the longest the shipped policy asks for is a
# regulatory 60 days after receipt, rolled forward past a holiday.
HORIZON = timedelta(days=92)


def covered_until(calendar: Calendar) -> datetime | None:
    """The instant its holidays run out (the start of its first uncovered year); None if never."""
    if calendar.covers is None:
        return None
    return calendar.midnight(date(calendar.covers[1] + 1, 1, 1))


def in_force(catalog: Catalog) -> list[Calendar]:
    """The calendar version in force of every calendar id."""
    return [catalog.calendar(calendar_id, version)
            for calendar_id, version in sorted(catalog.active_calendars.items())]


def coverage_by_calendar(catalog: Catalog) -> dict[str, datetime]:
    """When each calendar in force stops knowing its holidays (unbounded ones are left out)."""
    return {c.calendar_id: until for c in in_force(catalog)
            if (until := covered_until(c)) is not None}


def coverage_warnings(catalog: Catalog, now: datetime,
                      horizon: timedelta = HORIZON) -> dict[str, str]:
    """A warning for each calendar in force whose holidays end before deadlines may fall."""
    warnings = {}
    for calendar in in_force(catalog):
        years = calendar.uncovered_years(now, now + horizon)
        if years and calendar.covers is not None:
            first, last = calendar.covers
            warnings[f"calendar:{calendar.calendar_id}"] = (
                f"{calendar.calendar_id}@{calendar.version} covers {first}-{last}; deadlines in "
                f"{', '.join(map(str, years))} are flagged on their clocks until a calendar "
                "covering them is put in force"
            )
    return warnings
