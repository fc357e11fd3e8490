"""How the console shows times and SLA clocks to a person (pure: no I/O)."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


class SlaState(StrEnum):
    ON_TIME = "on_time"
    WARNING = "warning"
    BREACHED = "breached"
    STOPPED = "stopped"


def zone(name: str | None) -> ZoneInfo:
    """The viewer's time zone by IANA name; UTC for none or an unknown one."""
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def parse_instant(value: str | datetime | None) -> datetime | None:
    """An aware datetime from an API's ISO 8601 text (naive text is UTC)."""
    if value is None or value == "":
        return None
    instant = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return instant if instant.tzinfo else instant.replace(tzinfo=UTC)


def local_time(value: str | datetime | None, tz: str | None) -> str:
    """An instant as the viewer reads it: `2026-12-04 18:30 CST` in their zone."""
    instant = parse_instant(value)
    if instant is None:
        return ""
    shown = instant.astimezone(zone(tz))
    return f"{shown:%Y-%m-%d %H:%M} {shown.tzname()}"


def sla_state(clock: dict[str, Any], now: datetime) -> SlaState:
    """A clock's colour: breached once its deadline passed (or it stopped breached), warning
    once its warning time passed, stopped when it stopped otherwise, else on time."""
    deadline, warn_at = parse_instant(clock.get("deadline_at")), parse_instant(clock.get("warn_at"))
    if clock.get("outcome") == "breached" or "breach" in (clock.get("fired") or {}):
        return SlaState.BREACHED
    if clock.get("stopped_at") or clock.get("outcome"):
        return SlaState.STOPPED
    if deadline is not None and now >= deadline:
        return SlaState.BREACHED
    if warn_at is not None and now >= warn_at:
        return SlaState.WARNING
    return SlaState.ON_TIME


def countdown(clock: dict[str, Any], now: datetime) -> str:
    """Time left to the deadline (`3h 05m`), or over it (`-0h 12m`); empty without one."""
    deadline = parse_instant(clock.get("deadline_at"))
    if deadline is None or clock.get("stopped_at"):
        return ""
    seconds = int((deadline - now).total_seconds())
    sign, seconds = ("-" if seconds < 0 else ""), abs(seconds)
    days, rest = divmod(seconds, 86_400)
    hours, minutes = rest // 3600, rest % 3600 // 60
    return f"{sign}{days}d {hours}h {minutes:02d}m" if days else f"{sign}{hours}h {minutes:02d}m"


def worst(states: list[SlaState]) -> SlaState:
    """The colour of a complaint: its most urgent running clock's."""
    for state in (SlaState.BREACHED, SlaState.WARNING, SlaState.ON_TIME):
        if state in states:
            return state
    return SlaState.STOPPED
