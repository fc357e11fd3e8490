"""Quiet hours: a span of local time in which no message goes out; it waits for the end."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class QuietHours:
    """From `start` to `end` local time, e.g. 22:00 to 08:00 (a span may cross midnight)."""

    start: time
    end: time
    timezone: str = "UTC"

    def contains(self, local: time) -> bool:
        """Whether a local time of day falls in the quiet span (start inclusive, end not)."""
        if self.start <= self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end

    def next_open(self, at: datetime) -> datetime:
        """`at` itself when it is not quiet; otherwise the end of the quiet span, in UTC."""
        zone = ZoneInfo(self.timezone)
        local = at.astimezone(zone)
        if not self.contains(local.time().replace(tzinfo=None)):
            return at
        end = datetime.combine(local.date(), self.end, tzinfo=zone)
        if end <= local:
            end = datetime.combine(local.date() + timedelta(days=1), self.end, tzinfo=zone)
        return end.astimezone(at.tzinfo)
