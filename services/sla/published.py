"""Maps the SLA service's aggregate events to the published contracts.

Facts taken from other services (received, classified, milestones, waiting) stay internal: they
are already published by their owners. Only what SLA decides leaves the service.
"""

from __future__ import annotations

from typing import Any

from contracts.envelope import DomainEvent
from contracts.sla import (
    EscalationLevel,
    SlaBreached,
    SlaClockPaused,
    SlaClockRebased,
    SlaClockResumed,
    SlaClockStarted,
    SlaClockStopped,
    SlaEscalated,
    SlaWarningRaised,
)
from runtime.attribution import FirstEvents
from runtime.translation import Translator
from services.sla.clocks import BREACH, WARNING
from services.sla.domain import ComplaintSla


def _clock_id(stored: Any, key: str) -> str:
    return str(ComplaintSla.clock_id(stored.complaint_id, key))


def clock_started(stored: Any) -> SlaClockStarted:
    clock = stored.clock
    return SlaClockStarted(
        complaint_id=stored.complaint_id, clock_id=_clock_id(stored, clock["key"]),
        target=clock["target"], severity=clock["severity"], policy_id=clock["policy_id"],
        policy_version=clock["policy_version"], calendar_id=clock["calendar_id"],
        calendar_version=clock["calendar_version"], started_at=clock["started_at"],
        deadline_at=clock["due"][BREACH], warn_at=clock["due"][WARNING],
        regime=clock["regime"], clock_key=clock["key"], run=clock["run"],
    )


def clock_paused(stored: Any) -> SlaClockPaused:
    return SlaClockPaused(
        complaint_id=stored.complaint_id, clock_id=_clock_id(stored, stored.key),
        reason=stored.reason, actor=stored.actor, paused_at=stored.paused_at,
    )


def clock_resumed(stored: Any) -> SlaClockResumed:
    return SlaClockResumed(
        complaint_id=stored.complaint_id, clock_id=_clock_id(stored, stored.key),
        resumed_at=stored.resumed_at, new_deadline_at=stored.deadline_at,
        paused_seconds=stored.paused_us / 1e6,
    )


def clock_rebased(stored: Any) -> SlaClockRebased:
    changes = stored.changes
    return SlaClockRebased(
        complaint_id=stored.complaint_id, clock_id=_clock_id(stored, stored.key),
        target=stored.target, trigger=stored.trigger, reason=stored.reason, actor=stored.actor,
        severity=changes["severity"], policy_id=changes["policy_id"],
        policy_version=changes["policy_version"], calendar_id=changes["calendar_id"],
        calendar_version=changes["calendar_version"], rebased_at=stored.at,
        previous_deadline_at=stored.previous_deadline_at, deadline_at=stored.deadline_at,
        warn_at=changes["due"].get(WARNING), approval_id=stored.approval_id,
    )


def alarm_fired(stored: Any) -> DomainEvent:
    common = {"complaint_id": stored.complaint_id, "clock_id": _clock_id(stored, stored.key),
              "target": stored.target}
    if stored.alarm == WARNING:
        return SlaWarningRaised(**common, deadline_at=stored.deadline_at,
                                share_elapsed=stored.share, warned_at=stored.at)
    if stored.alarm == BREACH:
        return SlaBreached(**common, deadline_at=stored.deadline_at, breached_at=stored.at)
    level = EscalationLevel(stored.alarm.removeprefix("escalation:"))
    return SlaEscalated(
        **common, level=level, escalated_at=stored.at,
        reason=f"{stored.target} clock {stored.key}: {stored.share:.0%} of the allowed time "
        f"used, deadline {stored.deadline_at.isoformat() if stored.deadline_at else 'unset'}",
    )


def clock_stopped(stored: Any) -> SlaClockStopped:
    return SlaClockStopped(
        complaint_id=stored.complaint_id, clock_id=_clock_id(stored, stored.key),
        target=stored.target, reason=stored.reason, stopped_at=stored.stopped_at,
        met=stored.met, summary_resolution=stored.summary_resolution,
        outcome=getattr(stored, "outcome", None),
        severity=getattr(stored, "severity", None),
    )


def translator(*, source: str, first_events: FirstEvents | None = None) -> Translator:
    """The translator the outbox relay publishes the SLA service's events with."""
    return Translator(source=source, first_events=first_events, mappings={
        ComplaintSla.ClockStarted: clock_started,
        ComplaintSla.ClockPaused: clock_paused,
        ComplaintSla.ClockResumed: clock_resumed,
        ComplaintSla.ClockRebased: clock_rebased,
        ComplaintSla.AlarmFired: alarm_fired,
        ComplaintSla.ClockStopped: clock_stopped,
    })
