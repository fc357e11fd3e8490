"""Events published by the SLA service on `sla.events.v1`."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import Field, model_validator

from contracts.envelope import ComplaintEvent, DomainEvent
from contracts.intake import Severity

# StrEnum("Name", "A B_C") declares Name.A = "a", Name.B_C = "b_c": values are the
# member names in lower case.
SlaTarget = StrEnum("SlaTarget", "FIRST_RESPONSE RESOLUTION PROGRESS REGULATORY")


RebaseTrigger = StrEnum("RebaseTrigger", "POLICY SEVERITY EXTENSION")


class ClockOutcome(StrEnum):
    """How a stopped clock ended. A cancelled clock (its target stopped applying: the severity
    or category changed, the complaint was a duplicate, a reopening restarted it) was neither
    met nor breached, and compliance figures leave it out."""

    MET = "met"
    BREACHED = "breached"
    CANCELLED = "cancelled"


EscalationLevel = StrEnum("EscalationLevel", "TEAM_LEAD DEPARTMENT_HEAD EXECUTIVE")


class SlaClockEvent(ComplaintEvent):
    """Base of the events about one deadline clock of a complaint."""

    clock_id: str


class SlaClockStarted(SlaClockEvent):
    """A deadline clock started for one target of one complaint."""

    event_type = "sla.clock_started.v1"
    target: SlaTarget
    severity: Severity
    policy_id: str
    policy_version: str = Field(min_length=1, description="Version of the SLA policy file")
    calendar_id: str = Field(description="Business calendar the deadline is counted in")
    calendar_version: str = Field(min_length=1)
    started_at: datetime
    deadline_at: datetime
    warn_at: datetime = Field(description="When a warning is raised if the clock still runs")
    regime: str | None = Field(
        None, description="Regulatory regime of a regulatory clock, e.g. cfpb, fca, cn_banking"
    )
    clock_key: str | None = Field(
        None, description="The clock within the complaint, e.g. first_response, cfpb.final_response"
    )
    run: int = Field(1, ge=1, description="1, then 2 when a reopened complaint restarts it, ...")


class SlaClockPaused(SlaClockEvent):
    """The clock stopped counting, e.g. while waiting for the customer."""

    event_type = "sla.clock_paused.v1"
    reason: str
    actor: str = Field(description="User id of who paused it, or `system`")
    paused_at: datetime


class SlaClockResumed(SlaClockEvent):
    """A paused clock counts again; the deadline moved by the paused business time."""

    event_type = "sla.clock_resumed.v1"
    resumed_at: datetime
    new_deadline_at: datetime
    paused_seconds: float | None = Field(
        None, ge=0, description="Working time the clock stood still, in the clock's calendar"
    )


class SlaWarningRaised(SlaClockEvent):
    """Most of the allowed time is used up and the target is not met yet."""

    event_type = "sla.warning_raised.v1"
    deadline_at: datetime
    share_elapsed: float = Field(
        ge=0, le=1, description="Share of the allowed business time already used, e.g. 0.8"
    )
    target: SlaTarget | None = None
    warned_at: datetime | None = Field(None, description="When that share was used up")


class SlaBreached(SlaClockEvent):
    """The deadline passed with the target not met."""

    event_type = "sla.breached.v1"
    deadline_at: datetime
    breached_at: datetime
    target: SlaTarget | None = None


class SlaEscalated(SlaClockEvent):
    """The complaint was raised to the next level of the escalation chain."""

    event_type = "sla.escalated.v1"
    level: EscalationLevel
    reason: str
    target: SlaTarget | None = None
    escalated_at: datetime | None = Field(None, description="When the level's threshold passed")


class SlaClockStopped(SlaClockEvent):
    """The target was reached or became moot; the clock will not fire again."""

    event_type = "sla.clock_stopped.v1"
    reason: str = Field(description="What stopped it, e.g. first response sent, complaint closed")
    stopped_at: datetime
    met: bool = Field(
        description="True only when the target was reached on or before the deadline; false "
        "when breached and when cancelled (read `outcome` to tell them apart)"
    )
    target: SlaTarget | None = None
    summary_resolution: bool | None = Field(
        None, description="FCA DISP: resolved by the close of the third business day after "
        "receipt (None where the regime has no such rule)"
    )
    outcome: ClockOutcome | None = Field(
        None, description="met, breached or cancelled. Absent from events published before it "
        "was added, when a cancelled clock said met=true with reason `duplicate`, `restarted "
        "on reopen` or `no longer a target (...)`: reading such an event fills it in"
    )
    severity: Severity | None = Field(
        None, description="The complaint's severity when the clock stopped (a clock cancelled "
        "by a reclassification carries the new severity)"
    )

    @model_validator(mode="before")
    @classmethod
    def _outcome_of_earlier_events(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("outcome") is None and "met" in data:
            return {**data, "outcome": outcome_before_it_was_published(
                str(data.get("reason", "")), bool(data["met"]))}
        return data


# The reasons the SLA service gave a cancelled clock before `outcome` was published.
CANCELLED_REASONS = ("duplicate", "restarted on reopen", "no longer a target")


def outcome_before_it_was_published(reason: str, met: bool) -> ClockOutcome:
    """The outcome of a stop recorded without one: cancellations then said met=true."""
    if not met:
        return ClockOutcome.BREACHED
    return ClockOutcome.CANCELLED if reason.startswith(CANCELLED_REASONS) else ClockOutcome.MET


class SlaClockRebased(SlaClockEvent):
    """A clock's deadline was recomputed: a re-base onto the policy in force, a severity
    change, or a regulatory extension. Running clocks never move without this event."""

    event_type = "sla.clock_rebased.v1"
    target: SlaTarget
    trigger: RebaseTrigger
    reason: str
    actor: str = Field(description="User id of who re-based or extended it, or `system`")
    severity: Severity
    policy_id: str
    policy_version: str = Field(min_length=1)
    calendar_id: str
    calendar_version: str = Field(min_length=1)
    rebased_at: datetime
    previous_deadline_at: datetime | None = None
    deadline_at: datetime | None = Field(
        None, description="None while the clock is paused: it is set when the clock resumes"
    )
    warn_at: datetime | None = None
    approval_id: str | None = Field(
        None, description="The recorded internal approval an extension step required"
    )


EVENTS: tuple[type[DomainEvent], ...] = (
    SlaClockStarted,
    SlaClockPaused,
    SlaClockResumed,
    SlaWarningRaised,
    SlaBreached,
    SlaEscalated,
    SlaClockStopped,
    SlaClockRebased,
)
