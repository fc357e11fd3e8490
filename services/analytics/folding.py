"""How each event type changes a complaint's current state and its SLA clocks (pure).

Each event type maps to one fold that returns the fields it knows; None means "not known from
this event", '' means "known to be none". The merge rules live in the schema (schema.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from enum import Enum
from typing import Any, NamedTuple

from contracts import analytics, dispatch, intake, resolution, sla
from contracts.envelope import DomainEvent, Envelope
from contracts.lifecycle import Stage, status_set_by
from services.analytics.domain import Consumed

UNKNOWN_TARGET = "unknown"
# Where each stage's word on the lifecycle status is kept (state_tables.COMPLAINT_COLUMNS).
STATUS_COLUMNS = {Stage.INTAKE: "intake_status", Stage.DISPATCH: "dispatch_status",
                  Stage.RESOLUTION: "status"}


class Context(NamedTuple):
    """What a fold may need beyond its event: SLA clock targets known from earlier events."""

    clock_targets: Mapping[str, str]


Fold = Callable[[Envelope, Any, Context], dict[str, Any]]


def _present(event: DomainEvent, *names: str) -> dict[str, Any]:
    """The named fields the event has (producers add optional ones over time) and sets."""
    values = {name: getattr(event, name, None) for name in names}
    return {name: value for name, value in values.items() if value is not None}


def _received(env: Envelope, e: intake.ComplaintReceived, _: Context) -> dict[str, Any]:
    return {
        **_present(e, "channel", *intake.ComplaintDetails.DIMENSIONS, "region", "customer_id",
                   "customer_tier", "language"),
        "historical": e.historical, "received_at": e.received_at,
    }


def _history(env: Envelope, e: intake.ComplaintHistoryRecorded, _: Context) -> dict[str, Any]:
    return _present(e, "company_response", "timely", "consumer_disputed", "sent_to_company_at")


def _classified(env: Envelope, e: intake.ComplaintClassified, _: Context) -> dict[str, Any]:
    # Product and region here may be predicted: they only fill in what the channel left out.
    return {
        **_present(e, "category", "severity", "language"),
        **{f"classified_{k}": v for k, v in _present(e, "product", "region").items()},
    }


def _category_corrected(
    env: Envelope, e: intake.ComplaintCategoryCorrected, _: Context
) -> dict[str, Any]:
    return {"category": e.category}  # an agent's category replaces intake's


def _assigned(env: Envelope, e: dispatch.ComplaintAssigned, _: Context) -> dict[str, Any]:
    return {"queue": e.queue, "department": e.department, "agent": e.agent_id or ""}


def _queued(env: Envelope, e: dispatch.ComplaintQueued, _: Context) -> dict[str, Any]:
    return {"queue": e.queue, "department": e.department, "agent": ""}


def _transferred(env: Envelope, e: dispatch.ComplaintTransferred, _: Context) -> dict[str, Any]:
    return {"queue": e.to_queue, "department": e.to_department, "agent": e.to_agent_id or "",
            "transfer_id": env.id}


def _duplicate(env: Envelope, e: intake.ComplaintMarkedDuplicate, _: Context) -> dict:
    return {"duplicate_of": e.original_complaint_id}


def _escalated(env: Envelope, e: sla.SlaEscalated, _: Context) -> dict[str, Any]:
    return {"escalation_level": e.level}


def _case_opened(env: Envelope, e: resolution.CaseOpened, _: Context) -> dict[str, Any]:
    return {"agent": e.owner_agent_id} if e.owner_agent_id else {}


def _status_only(env: Envelope, e: DomainEvent, _: Context) -> dict[str, Any]:
    return {}  # complaint_facts adds the status every event of SETS_STATUS says


def _first_response(env: Envelope, e: resolution.FirstResponseSent, _: Context) -> dict:
    return {"first_response_at": e.sent_at}


def _executed(env: Envelope, e: resolution.ResolutionExecuted, _: Context) -> dict[str, Any]:
    return {"resolved_at": env.time}


def _feedback(env: Envelope, e: resolution.FeedbackReceived, _: Context) -> dict[str, Any]:
    return {"csat": e.csat, "nps": e.nps}


def _closed(env: Envelope, e: resolution.ComplaintClosed, _: Context) -> dict[str, Any]:
    # Closed without an executed resolution (by exception) still ends the time to resolution.
    return {
        "closed_at": env.time, "resolved_at": env.time,
        "root_cause": e.root_cause_category, "resolution_kind": e.resolution_kind or "",
    }


def _reopened(env: Envelope, e: resolution.ComplaintReopened, _: Context) -> dict[str, Any]:
    return {"reopen_id": env.id}


def _breached(env: Envelope, e: sla.SlaBreached, ctx: Context) -> dict[str, Any]:
    return {"breached_targets": [ctx.clock_targets.get(e.clock_id, UNKNOWN_TARGET)]}


COMPLAINT_FOLDS: Mapping[type[DomainEvent], Fold] = {
    intake.ComplaintReceived: _received,
    intake.ComplaintHistoryRecorded: _history,
    intake.ComplaintClassified: _classified,
    intake.ComplaintMarkedDuplicate: _duplicate,
    intake.ComplaintCategoryCorrected: _category_corrected,
    dispatch.ComplaintAssigned: _assigned,
    dispatch.ComplaintQueued: _queued,
    dispatch.ComplaintTransferred: _transferred,
    resolution.CaseOpened: _case_opened,
    resolution.InvestigationStarted: _status_only,
    resolution.CustomerWaitStarted: _status_only,
    resolution.CustomerReplied: _status_only,
    resolution.FirstResponseSent: _first_response,
    resolution.ResolutionExecuted: _executed,
    resolution.FeedbackReceived: _feedback,
    resolution.ComplaintClosed: _closed,
    resolution.ComplaintReopened: _reopened,
    sla.SlaBreached: _breached,
    sla.SlaEscalated: _escalated,
}


def _clock_started(env: Envelope, e: sla.SlaClockStarted, _: Context) -> dict[str, Any]:
    return {"target": e.target, "severity": e.severity, "started_at": e.started_at,
            "deadline_at": e.deadline_at}


def _clock_rebased(env: Envelope, e: sla.SlaClockRebased, _: Context) -> dict[str, Any]:
    return {"target": e.target, "severity": e.severity, "deadline_at": e.deadline_at}


def _clock_resumed(env: Envelope, e: sla.SlaClockResumed, _: Context) -> dict[str, Any]:
    return {"deadline_at": e.new_deadline_at}


def _clock_breached(env: Envelope, e: sla.SlaBreached, _: Context) -> dict[str, Any]:
    return {"breached_at": e.breached_at}


def _clock_stopped(env: Envelope, e: sla.SlaClockStopped, _: Context) -> dict[str, Any]:
    # The severity it stopped under wins over the one it started under (a clock cancelled by
    # a reclassification counts under the new severity); absent from earlier events.
    return {"stopped_at": e.stopped_at, "met": e.met, "outcome": e.outcome,
            "severity": e.severity}


CLOCK_FOLDS: Mapping[type[DomainEvent], Fold] = {
    sla.SlaClockStarted: _clock_started,
    sla.SlaClockResumed: _clock_resumed,
    sla.SlaClockRebased: _clock_rebased,
    sla.SlaBreached: _clock_breached,
    sla.SlaClockStopped: _clock_stopped,
}


# Kept in the raw events only: they change neither a complaint's state nor a clock's.
IGNORED: frozenset[type[DomainEvent]] = frozenset({
    intake.CustomerErased,  # not about one complaint; the customer id is pseudonymised anyway
    dispatch.CollaboratorAdded,
    sla.SlaClockPaused,  # the resume carries the moved deadline
    sla.SlaWarningRaised,
    resolution.InvestigationNoteAdded, resolution.EvidenceAttached,
    resolution.ResolutionProposed, resolution.ApprovalRequested, resolution.ProposalApproved,
    resolution.ProposalRejected, resolution.CustomerNotified, resolution.ProgressUpdated,
    resolution.ConflictDeclared, resolution.ActionRefused, resolution.TaskAssigned,
    resolution.TaskCompleted, resolution.SurveyRevoked,
    # A follow-up (回访) keeps the case from closing: the complaint stays open in the backlog
    # until ComplaintClosed, which is all the reports need of it; no report counts follow-ups.
    resolution.FollowUpOpened, resolution.FollowUpCompleted,
    # Collaboration is dispatch's request (ignored above too); its completion changes neither
    # the complaint's status nor a clock, and no report counts collaborations.
    resolution.CollaborationCompleted,
    # A task's due time is resolution's own work plan, not an SLA clock (sla.events.v1 has
    # those): counting it as a breach would change SLA compliance.
    resolution.TaskDeadlineMissed,
    analytics.SpikeDetected,  # analytics' own alerts, read back from its topic
})


def clock_targets(batch: Iterable[Consumed]) -> dict[str, str]:
    """The target of every clock started in the batch, by clock id."""
    return {
        c.event.clock_id: c.event.target.value
        for c in batch if isinstance(c.event, sla.SlaClockStarted)
    }


def breached_clocks(batch: Iterable[Consumed]) -> set[str]:
    """Clock ids the batch reports breached (their target may be known only from the store)."""
    return {c.event.clock_id for c in batch if isinstance(c.event, sla.SlaBreached)}


def complaint_facts(
    batch: Iterable[Consumed], ctx: Context, pseudonym: Callable[[str, str], str]
) -> list[dict[str, Any]]:
    """One complaint_facts row per event that changes a complaint's state."""
    rows = []
    for consumed in batch:
        fold = COMPLAINT_FOLDS.get(type(consumed.event))
        if fold is None:
            continue
        fields = fold(consumed.envelope, consumed.event, ctx)
        if (said := status_set_by(consumed.event)) is not None:
            stage, status = said
            fields = {**fields, STATUS_COLUMNS[stage]: status}
        if "customer_id" in fields:
            fields["customer_id"] = pseudonym(consumed.envelope.tenant, fields["customer_id"])
        rows.append(_row(consumed, fields))
    return rows


def clock_facts(batch: Iterable[Consumed], ctx: Context) -> list[dict[str, Any]]:
    """One clock_facts row per SLA event that changes a clock."""
    return [
        _row(c, {"clock_id": c.event.clock_id, **fold(c.envelope, c.event, ctx)})
        for c in batch if (fold := CLOCK_FOLDS.get(type(c.event))) is not None
    ]


def _row(consumed: Consumed, fields: Mapping[str, Any]) -> dict[str, Any]:
    env = consumed.envelope
    time = ch_time(env.time)
    return {
        "tenant": env.tenant, "complaint_id": consumed.event.complaint_id,
        "time": time, "seq": env.sequence, "updated_at": time,
        **{name: _value(value) for name, value in fields.items() if value is not None},
    }


def _value(value: Any) -> Any:
    if isinstance(value, datetime):
        return ch_time(value)
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, Enum):
        return value.value
    return str(value) if not isinstance(value, int | float | str | list) else value


def ch_time(value: datetime) -> str:
    """A datetime as ClickHouse reads a DateTime64(3, 'UTC'); naive means UTC."""
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value.isoformat(" ", "milliseconds")
