"""How each consumed event changes a complaint's row of the read model, and how its SLA clocks
sum up to one SLA state. Pure: routed by event type, no I/O."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from contracts import dispatch, intake, resolution, sla
from contracts.envelope import DomainEvent
from contracts.lifecycle import ComplaintStatus, Stage, current_status, status_set_by
from services.work.query import stamp

STAGE_COLUMNS: Mapping[Stage, str] = {
    Stage.INTAKE: "intake_status", Stage.DISPATCH: "dispatch_status",
    Stage.RESOLUTION: "resolution_status",
}


class SlaState(StrEnum):
    ON_TIME = "on_time"
    WARNING = "warning"
    BREACHED = "breached"


def _received(e: intake.ComplaintReceived) -> dict[str, Any]:
    return {"channel": str(e.channel), "customer_id": e.customer_id,
            "customer_tier": str(e.customer_tier), "region": e.region, "product": e.product,
            "received_at": stamp(e.received_at), "external_reference": e.external_reference,
            "historical": int(e.historical)}


def _classified(e: intake.ComplaintClassified) -> dict[str, Any]:
    return {"category": e.category, "severity": str(e.severity)}


def _duplicate(e: intake.ComplaintMarkedDuplicate) -> dict[str, Any]:
    return {"duplicate_of": e.original_complaint_id}


def _history(e: intake.ComplaintHistoryRecorded) -> dict[str, Any]:
    return {"outcome": e.company_response}


def _routed(e: dispatch.ComplaintAssigned | dispatch.ComplaintQueued) -> dict[str, Any]:
    return {"department": e.department, "queue": e.queue, "agent_id": getattr(e, "agent_id", None)}


def _transferred(e: dispatch.ComplaintTransferred) -> dict[str, Any]:
    return {"department": e.to_department, "queue": e.to_queue, "agent_id": e.to_agent_id}


def _feedback(e: resolution.FeedbackReceived) -> dict[str, Any]:
    return {"csat": e.csat, "nps": e.nps}


def _closed(e: resolution.ComplaintClosed) -> dict[str, Any]:
    kind = e.resolution_kind
    return {"outcome": str(kind) if kind else e.root_cause_category}


def _reopened(e: resolution.ComplaintReopened) -> dict[str, Any]:
    return {"reopen_count": e.reopen_count}


ROW_CHANGES: Mapping[type[DomainEvent], Callable[[Any], dict[str, Any]]] = {
    intake.ComplaintReceived: _received,
    intake.ComplaintClassified: _classified,
    intake.ComplaintMarkedDuplicate: _duplicate,
    intake.ComplaintHistoryRecorded: _history,
    dispatch.ComplaintAssigned: _routed,
    dispatch.ComplaintQueued: _routed,
    dispatch.ComplaintTransferred: _transferred,
    resolution.FeedbackReceived: _feedback,
    resolution.ComplaintClosed: _closed,
    resolution.ComplaintReopened: _reopened,
}


def changes_of(event: DomainEvent, row: Mapping[str, Any]) -> dict[str, Any]:
    """The columns an event sets on its complaint's row (the status by contracts.lifecycle)."""
    fold = ROW_CHANGES.get(type(event))
    changes = fold(event) if fold else {}
    said = status_set_by(event)
    if said is not None:
        stage, status = said
        changes[STAGE_COLUMNS[stage]] = str(status)
        by_stage = {s: ComplaintStatus(row[c]) for s, c in STAGE_COLUMNS.items() if row.get(c)}
        by_stage[stage] = status
        changes["status"] = str(current_status(by_stage))
        changes["stage"] = max(by_stage).name.lower()
    return changes


# --- SLA clocks ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Clock:
    """One SLA clock as the read model keeps it."""

    clock_id: str
    state: str  # running | paused | stopped
    warn_at: str | None
    deadline_at: str | None
    warned: bool
    breached: bool


def _started(e: sla.SlaClockStarted, _: Clock | None) -> Clock:
    return Clock(e.clock_id, "running", stamp(e.warn_at), stamp(e.deadline_at), False, False)


def _paused(e: sla.SlaClockPaused, c: Clock) -> Clock:
    return Clock(c.clock_id, "paused", c.warn_at, c.deadline_at, c.warned, c.breached)


def _resumed(e: sla.SlaClockResumed, c: Clock) -> Clock:
    return Clock(c.clock_id, "running", c.warn_at, stamp(e.new_deadline_at), c.warned, c.breached)


def _rebased(e: sla.SlaClockRebased, c: Clock) -> Clock:
    return Clock(c.clock_id, c.state, stamp(e.warn_at) if e.warn_at else c.warn_at,
                 stamp(e.deadline_at) if e.deadline_at else c.deadline_at, c.warned, c.breached)


def _warned(e: sla.SlaWarningRaised, c: Clock) -> Clock:
    return Clock(c.clock_id, c.state, c.warn_at, c.deadline_at, True, c.breached)


def _breached(e: sla.SlaBreached, c: Clock) -> Clock:
    return Clock(c.clock_id, c.state, c.warn_at, c.deadline_at, c.warned, True)


def _stopped(e: sla.SlaClockStopped, c: Clock) -> Clock:
    return Clock(c.clock_id, "stopped", c.warn_at, c.deadline_at, c.warned,
                 c.breached or not e.met)


CLOCK_CHANGES: Mapping[type[DomainEvent], Callable[[Any, Any], Clock]] = {
    sla.SlaClockStarted: _started,
    sla.SlaClockPaused: _paused,
    sla.SlaClockResumed: _resumed,
    sla.SlaClockRebased: _rebased,
    sla.SlaWarningRaised: _warned,
    sla.SlaBreached: _breached,
    sla.SlaClockStopped: _stopped,
}


def clock_after(event: DomainEvent, clock: Clock | None) -> Clock | None:
    """The clock after an SLA event; None if the event does not change it (or it is unknown:
    a clock is known from its start)."""
    change = CLOCK_CHANGES.get(type(event))
    if change is None or (clock is None and not isinstance(event, sla.SlaClockStarted)):
        return None
    return change(event, clock)


def sla_summary(clocks: Iterable[Clock]) -> dict[str, Any]:
    """The complaint's SLA state, next warning and next deadline from its clocks."""
    clocks = list(clocks)
    running = [c for c in clocks if c.state == "running"]
    if any(c.breached for c in clocks):
        state = SlaState.BREACHED
    elif any(c.warned for c in clocks if c.state != "stopped"):
        state = SlaState.WARNING
    else:
        state = SlaState.ON_TIME
    warns = [c.warn_at for c in running if c.warn_at and not c.warned]
    # A breached clock still running keeps its (past) deadline: overdue sorts first.
    dues = [c.deadline_at for c in running if c.deadline_at]
    return {"sla_state": str(state), "warn_at": min(warns, default=None),
            "due_at": min(dues, default=None)}
