"""One deadline clock as its events left it, and the arithmetic of its alarms.

A clock allows some working time (counted in its calendar, or as plain elapsed time). It
consumes that time while running; pausing stops consumption, so every alarm still due moves
later by exactly the working time spent paused. Alarms (warning, breach, escalation levels) are
due at shares of the allowed time, each at most once per run of the clock.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from contracts.sla import ClockOutcome
from services.sla.calendar import ELAPSED, Calendar
from services.sla.policy import ClockRule

US = timedelta(microseconds=1)
ZERO = timedelta(0)


class Status(StrEnum):
    RUNNING = "running"
    PAUSED = "paused"
    STOPPED = "stopped"


BREACH = "breach"
WARNING = "warning"
ESCALATION = "escalation:"


def micros(duration: timedelta) -> int:
    return duration // US


def allowed_time(rule: ClockRule, calendar: Calendar, started_at: datetime,
                 days: int | None = None) -> tuple[timedelta, bool]:
    """The working time a rule allows from `started_at`, and whether it counts business time."""
    if rule.within is not None:
        return rule.within, not calendar.elapsed
    days = days or rule.days
    if rule.count == "business":
        deadline = calendar.close_of_business_day_after(started_at, days)
        return calendar.between(started_at, deadline), True
    deadline = calendar.end_of_day_after(started_at, days, roll_forward=rule.roll_forward)
    return deadline - started_at, False


def holiday_reach(*, business: bool, roll_forward: bool, started_at: datetime,
                  allowed: timedelta, due: dict[str, datetime]) -> datetime | None:
    """The last instant whose computation looked at the calendar's days off, None if none did:
    business time counts every day up to its last alarm; a deadline in days only looks at its
    own last day, and only to roll it forward."""
    if business:
        return max(due.values(), default=None)
    return started_at + allowed if roll_forward else None


def uncovered_years(calendar: Calendar, start: datetime, reach: datetime | None) -> list[int]:
    """Years a clock's deadlines reached for which the calendar knows no holidays."""
    return [] if reach is None else list(calendar.uncovered_years(start, reach))


def calendar_gaps(calendar: Calendar, rule: ClockRule, *, business: bool, started_at: datetime,
                  allowed: timedelta, due: dict[str, datetime],
                  also: datetime | None = None) -> list[int]:
    """uncovered_years of a clock computed under `rule`: as far as its holiday_reach, or `also`
    (another instant its computation read the calendar at) when that is later."""
    reach = holiday_reach(business=business, roll_forward=rule.roll_forward,
                          started_at=started_at, allowed=allowed, due=due)
    return uncovered_years(calendar, started_at, max(filter(None, (reach, also)), default=None))


def schedule(
    counting: Calendar,
    at: datetime,
    allowed: timedelta,
    consumed: timedelta,
    thresholds: dict[str, float],
    fired: set[str],
) -> dict[str, datetime]:
    """When each alarm not yet fired is due, for a clock running from `at` with `consumed` used."""
    return {
        name: counting.add(at, max(allowed * share - consumed, ZERO))
        for name, share in thresholds.items()
        if name not in fired
    }


def timing(rule: ClockRule, calendar: Calendar, started_at: datetime,
           thresholds: dict[str, float], *, at: datetime | None = None,
           consumed: timedelta = ZERO, fired: set[str] | None = None, running: bool = True,
           also: datetime | None = None) -> dict:
    """The fields of a clock's state that starting it, or re-basing it at `at` with `consumed`
    used and the alarms `fired` already fired, sets from its rule and calendar: whether it
    counts business time, the time it allows, the alarms still due (none while not running)
    and the years its deadlines reach that the calendar knows no holidays of."""
    allowed, business = allowed_time(rule, calendar, started_at)
    due = (schedule(calendar if business else ELAPSED, at or started_at, allowed, consumed,
                    thresholds, fired or set()) if running else {})
    return {
        "business_time": business, "allowed_us": micros(allowed), "due": due,
        "uncovered_years": calendar_gaps(calendar, rule, business=business,
                                         started_at=started_at, allowed=allowed, due=due,
                                         also=also),
    }


@dataclass
class Clock:
    """The state of one clock of a complaint."""

    key: str
    target: str
    regime: str | None
    severity: str
    policy_id: str
    policy_version: str
    calendar_id: str
    calendar_version: str
    business_time: bool
    rule: dict
    thresholds: dict[str, float]
    gaming_share: float
    run: int
    started_at: datetime
    allowed_us: int
    summary_by: datetime | None
    due: dict[str, datetime]
    schedule_seq: int
    status: Status = Status.RUNNING
    running_since: datetime | None = None
    paused_at: datetime | None = None
    consumed_us: int = 0
    fired: dict[str, datetime] = field(default_factory=dict)
    extension_step: int = 0
    stopped_at: datetime | None = None
    stop_reason: str | None = None
    met: bool | None = None
    outcome: str | None = None  # a ClockOutcome once stopped
    due_when_stopped: dict[str, datetime] = field(default_factory=dict)
    summary_resolution: bool | None = None
    # Years its deadlines reached that its calendar version does not cover (holidays unknown).
    uncovered_years: list[int] = field(default_factory=list)

    @property
    def allowed(self) -> timedelta:
        return timedelta(microseconds=self.allowed_us)

    @property
    def consumed(self) -> timedelta:
        return timedelta(microseconds=self.consumed_us)

    @property
    def live(self) -> bool:
        return self.status is not Status.STOPPED

    @property
    def deadline_at(self) -> datetime | None:
        """When the clock breaches (or breached, or was due when it stopped); None while paused
        with the breach to come."""
        return self._instant(BREACH)

    @property
    def warn_at(self) -> datetime | None:
        return self._instant(WARNING)

    def _instant(self, alarm: str) -> datetime | None:
        return (self.fired.get(alarm) or self.due.get(alarm)
                or self.due_when_stopped.get(alarm))

    def consumed_at(self, instant: datetime, counting: Calendar) -> timedelta:
        """Working time used by `instant` (no more is used while paused or stopped)."""
        if self.status is Status.RUNNING and self.running_since is not None:
            return self.consumed + max(counting.between(self.running_since, instant), ZERO)
        return self.consumed

    def horizon(self, now: datetime) -> datetime | None:
        """Alarms due up to this instant fire now: a paused clock only owes those before it."""
        if self.status is Status.RUNNING:
            return now
        if self.status is Status.PAUSED and self.paused_at is not None:
            return min(now, self.paused_at)
        return None

    def alarms_due(self, now: datetime) -> list[tuple[datetime, str]]:
        """Alarms to fire at `now`, in the order they fell due."""
        horizon = self.horizon(now)
        if horizon is None:
            return []
        due = [(at, name) for name, at in self.due.items() if at <= horizon]
        return sorted(due, key=lambda item: (item[0], self.thresholds[item[1]], item[1]))

    def next_due(self) -> datetime | None:
        """The earliest instant at which an alarm of this clock will fire, if any."""
        if self.status is Status.STOPPED or not self.due:
            return None
        earliest = min(self.due.values())
        if self.status is Status.PAUSED and (self.paused_at is None or earliest > self.paused_at):
            return None
        return earliest

    def timely(self) -> bool | None:
        """Derived, never typed in: True once stopped in time, False once breached, None while
        running and for a cancelled clock (neither met nor breached)."""
        if BREACH in self.fired:
            return False
        if self.status is not Status.STOPPED or self.outcome == ClockOutcome.CANCELLED:
            return None
        return True
