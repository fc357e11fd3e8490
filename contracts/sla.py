"""Events published by the SLA service on `sla.events.v1`."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import Field

from contracts.envelope import DomainEvent
from contracts.intake import Severity


class SlaTarget(StrEnum):
    FIRST_RESPONSE = "first_response"
    RESOLUTION = "resolution"
    PROGRESS = "progress"
    REGULATORY = "regulatory"


class EscalationLevel(StrEnum):
    TEAM_LEAD = "team_lead"
    DEPARTMENT_HEAD = "department_head"
    EXECUTIVE = "executive"


class SlaClockStarted(DomainEvent):
    """A deadline clock started for one target of one complaint."""

    event_type = "sla.clock_started.v1"
    complaint_id: str
    clock_id: str
    target: SlaTarget
    severity: Severity
    policy_id: str
    policy_version: str = Field(min_length=1, description="Version of the SLA policy file")
    calendar_id: str = Field(description="Business calendar the deadline is counted in")
    calendar_version: str = Field(min_length=1)
    started_at: datetime
    deadline_at: datetime
    warn_at: datetime = Field(description="When a warning is raised if the clock still runs")


class SlaClockPaused(DomainEvent):
    """The clock stopped counting, e.g. while waiting for the customer."""

    event_type = "sla.clock_paused.v1"
    complaint_id: str
    clock_id: str
    reason: str
    actor: str = Field(description="User id of who paused it, or `system`")
    paused_at: datetime


class SlaClockResumed(DomainEvent):
    """A paused clock counts again; the deadline moved by the paused business time."""

    event_type = "sla.clock_resumed.v1"
    complaint_id: str
    clock_id: str
    resumed_at: datetime
    new_deadline_at: datetime


class SlaWarningRaised(DomainEvent):
    """Most of the allowed time is used up and the target is not met yet."""

    event_type = "sla.warning_raised.v1"
    complaint_id: str
    clock_id: str
    deadline_at: datetime
    share_elapsed: float = Field(
        ge=0, le=1, description="Share of the allowed business time already used, e.g. 0.8"
    )


class SlaBreached(DomainEvent):
    """The deadline passed with the target not met."""

    event_type = "sla.breached.v1"
    complaint_id: str
    clock_id: str
    deadline_at: datetime
    breached_at: datetime


class SlaEscalated(DomainEvent):
    """The complaint was raised to the next level of the escalation chain."""

    event_type = "sla.escalated.v1"
    complaint_id: str
    clock_id: str
    level: EscalationLevel
    reason: str


class SlaClockStopped(DomainEvent):
    """The target was reached or became moot; the clock will not fire again."""

    event_type = "sla.clock_stopped.v1"
    complaint_id: str
    clock_id: str
    reason: str = Field(description="What stopped it, e.g. first response sent, complaint closed")
    stopped_at: datetime
    met: bool = Field(description="True when stopped on or before the deadline")


EVENTS: tuple[type[DomainEvent], ...] = (
    SlaClockStarted,
    SlaClockPaused,
    SlaClockResumed,
    SlaWarningRaised,
    SlaBreached,
    SlaEscalated,
    SlaClockStopped,
)
