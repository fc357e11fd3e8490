"""Generate the business calendar files from kept holiday libraries, at release time.

    python -m services.sla.tools.calendars [--from-year 2024] [--to-year 2028] [--check] [ID ...]

Mainland China's public holidays and make-up working days (调休) come from `chinese-calendar`,
which knows only the years the State Council has published; other countries' from `holidays`.
Each file declares the years it `covers`: a year a library does not know is left out, never
guessed. A file whose days change gets a new version (running clocks keep theirs); regenerating
unchanged days keeps the file byte for byte. The service reads only the YAML files.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from importlib.metadata import version as installed_version
from pathlib import Path

import yaml

from services.sla.catalog import DEFAULT_CALENDAR_DIR, CalendarFile

FIRST_YEAR = 2024  # the shipped files have covered 2024 since the first release
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")


@dataclass(frozen=True)
class Spec:
    """One calendar file: office hours, and which library and country give its days off."""

    calendar_id: str
    about: str
    timezone: str
    hours: str
    library: str  # "chinese-calendar" or "holidays"
    country: str | None = None
    subdivision: str | None = None
    extra_day_hours: str | None = None


SPECS = (
    Spec("cn-mainland", "Mainland China office hours, Beijing time. Public holidays and the "
         "weekend days worked in exchange (调休) as the State Council announced them.",
         "Asia/Shanghai", "09:00-18:00", "chinese-calendar", extra_day_hours="09:00-18:00"),
    Spec("uk-england", "England and Wales office hours, London time (GMT/BST), and the bank "
         "holidays.", "Europe/London", "09:00-17:30", "holidays", "GB", "ENG"),
    Spec("us-federal", "US office hours, Eastern time (EST/EDT), and the federal holidays "
         "(observed dates too).", "America/New_York", "09:00-17:00", "holidays", "US"),
)

Days = tuple[dict[date, str], dict[date, str], tuple[int, int] | None]


def chinese_days(first: int, last: int) -> Days:
    """Holidays, make-up working days and the covered years, as chinese-calendar knows them."""
    import chinese_calendar  # release-time only

    holidays: dict[date, str] = {}
    workdays: dict[date, str] = {}
    known = []
    for year in range(first, last + 1):
        try:
            chinese_calendar.get_holiday_detail(date(year, 1, 1))
        except NotImplementedError:  # the State Council has not published this year (yet)
            continue
        known.append(year)
        day = date(year, 1, 1)
        while day.year == year:
            off, name = chinese_calendar.get_holiday_detail(day)
            if off and name:
                holidays[day] = name
            elif not off and day.weekday() >= 5:
                workdays[day] = name or "make-up working day"
            day += timedelta(days=1)
    return holidays, workdays, _span(known)


def country_days(country: str, subdivision: str | None, first: int, last: int) -> Days:
    """Public holidays (observed dates included) of a country as the `holidays` library has them."""
    import holidays as library  # release-time only

    table = library.country_holidays(country, subdiv=subdivision)
    known = [y for y in range(first, last + 1) if table.start_year <= y <= table.end_year]
    days = library.country_holidays(country, subdiv=subdivision, years=known)
    return {d: days[d] for d in sorted(days)}, {}, _span(known)


def _span(years: list[int]) -> tuple[int, int] | None:
    if not years:
        return None
    if years != list(range(years[0], years[-1] + 1)):
        raise ValueError(f"the library knows {years}: a gap cannot be declared as covered")
    return years[0], years[-1]


def render(spec: Spec, first: int, last: int, previous: str | None, today: date) -> str:
    """The YAML text of a calendar file; `previous` (the file as it is) keeps its version when
    the days did not change."""
    if spec.library == "chinese-calendar":
        holidays, workdays, covers = chinese_days(first, last)
    else:
        holidays, workdays, covers = country_days(spec.country, spec.subdivision, first, last)
    source = {"library": spec.library, "version": installed_version(spec.library),
              "country": spec.country, "subdivision": spec.subdivision,
              "requested": [first, last]}
    source = {k: v for k, v in source.items() if v is not None}
    lines = _header(spec, covers, first, last)
    lines += [f"id: {spec.calendar_id}", 'version: "{version}"', f"timezone: {spec.timezone}",
              f"covers: [{covers[0]}, {covers[1]}]" if covers else "covers: null",
              "source: {" + ", ".join(f'{k}: {_scalar(v)}' for k, v in source.items()) + "}",
              "week:", *(f'  {d}: ["{spec.hours}"]' for d in WEEKDAYS)]
    if spec.extra_day_hours:
        lines.append(f'extra_day_hours: ["{spec.extra_day_hours}"]')
    lines += _days("holidays", holidays) + _days("extra_working_days", workdays)
    template = "\n".join(lines) + "\n"
    return template.replace("{version}", _version(template, previous, today), 1)


def _header(spec: Spec, covers: tuple[int, int] | None, first: int, last: int) -> list[str]:
    missing = [y for y in range(first, last + 1) if not covers or not covers[0] <= y <= covers[1]]
    lines = ["# Generated by `python -m services.sla.tools.calendars`; regenerate, do not edit.",
             *_wrap(spec.about)]
    if missing:
        lines += _wrap(f"Not yet published by the library: {', '.join(map(str, missing))}. "
                       "Deadlines in a year outside `covers` are flagged on the clock, never "
                       "computed as if it had no holidays.")
    return lines


def _wrap(text: str, width: int = 96) -> list[str]:
    lines, line = [], "#"
    for word in text.split():
        if len(line) + 1 + len(word) > width:
            lines.append(line)
            line = "#"
        line += " " + word
    return [*lines, line]


def _scalar(value: object) -> str:
    return f"[{value[0]}, {value[1]}]" if isinstance(value, list) else f'"{value}"'


def _days(key: str, days: dict[date, str]) -> list[str]:
    if not days:
        return []
    return [f"{key}:", *(f"  - {d.isoformat()}  # {name}" for d, name in sorted(days.items()))]


def _version(template: str, previous: str | None, today: date) -> str:
    """The previous version if the content is the same, else the next one of this year."""
    if previous is None:
        return f"{today.year}.1"
    old = yaml.safe_load(previous)
    new = yaml.safe_load(template.replace("{version}", str(old["version"]), 1))
    if old == new:
        return str(old["version"])
    year, _, number = str(old["version"]).partition(".")
    if year == str(today.year) and number.isdigit():
        return f"{year}.{int(number) + 1}"
    return f"{today.year}.1"


def generate(directory: Path, first: int, last: int, ids: Sequence[str],
             today: date) -> dict[Path, str]:
    """Every requested calendar file's path and its text as the pinned libraries make it."""
    out = {}
    for spec in SPECS:
        if ids and spec.calendar_id not in ids:
            continue
        path = directory / f"{spec.calendar_id}.yaml"
        previous = path.read_text(encoding="utf-8") if path.exists() else None
        text = render(spec, first, last, previous, today)
        CalendarFile.model_validate(yaml.safe_load(text))  # what the service will accept
        out[path] = text
    return out


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """The command line."""
    today = date.today()
    parser = argparse.ArgumentParser(
        prog="python -m services.sla.tools.calendars",
        description="Write the SLA calendar files from chinese-calendar and holidays.")
    parser.add_argument("ids", nargs="*", metavar="ID",
                        help=f"calendars to write (default: {[s.calendar_id for s in SPECS]})")
    parser.add_argument("--dir", type=Path, default=DEFAULT_CALENDAR_DIR,
                        help="where the files are (default: the shipped calendars)")
    parser.add_argument("--from-year", type=int, default=FIRST_YEAR)
    parser.add_argument("--to-year", type=int, default=today.year + 2,
                        help="last year wanted (default: two years after this one)")
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 if a file differs from what would be written")
    args = parser.parse_args(argv)
    unknown = set(args.ids) - {s.calendar_id for s in SPECS}
    if unknown:
        parser.error(f"unknown calendar(s) {sorted(unknown)}")
    if args.from_year > args.to_year:
        parser.error("--from-year comes after --to-year")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    """Write (or check) the calendar files."""
    args = parse_args(argv)
    files = generate(args.dir, args.from_year, args.to_year, args.ids, date.today())
    stale = [p for p, text in files.items()
             if not p.exists() or p.read_text(encoding="utf-8") != text]
    for path in stale:
        if args.check:
            print(f"stale: {path}", file=sys.stderr)
        else:
            path.write_text(files[path], encoding="utf-8")
            print(f"wrote {path}")
    return 1 if args.check and stale else 0


if __name__ == "__main__":
    raise SystemExit(main())
