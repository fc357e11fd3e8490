"""Folds a complaint's published events, in history order, into its state. Pure: no I/O.

Each event type has one function giving the fields it changes; `APPLY` routes by type.
Types not in `APPLY` (an alert, a newer event this module does not know yet) still count
as the complaint's last event, so the state never hides that something happened.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from audit.state import (
    Clock,
    ClockStatus,
    ComplaintState,
    LastEvent,
    Owner,
    Proposal,
    RecordedOutcome,
    Status,
    Task,
)
from contracts import dispatch, intake, resolution, sla
from contracts.envelope import DomainEvent, Envelope
from contracts.registry import UnknownEventType, parse

Changes = dict[str, Any]


def received(state: ComplaintState, e: intake.ComplaintReceived) -> Changes:
    return {
        "status": Status.RECEIVED, "channel": e.channel.value, "customer_id": e.customer_id,
        "customer_tier": e.customer_tier.value, "region": e.region, "historical": e.historical,
        "received_at": e.received_at,
    }


def classified(state: ComplaintState, e: intake.ComplaintClassified) -> Changes:
    return {"category": e.category, "severity": e.severity.value}


def marked_duplicate(state: ComplaintState, e: intake.ComplaintMarkedDuplicate) -> Changes:
    return {"status": Status.DUPLICATE, "duplicate_of": e.original_complaint_id}


def history_recorded(state: ComplaintState, e: intake.ComplaintHistoryRecorded) -> Changes:
    outcome = RecordedOutcome(
        company_response=e.company_response, sent_to_company_at=e.sent_to_company_at,
        timely=e.timely, consumer_disputed=e.consumer_disputed,
    )
    return {"recorded_outcome": outcome}


def customer_erased(state: ComplaintState, e: intake.CustomerErased) -> Changes:
    return {"personal_data_erased_at": e.erased_at}


def assigned(state: ComplaintState, e: dispatch.ComplaintAssigned) -> Changes:
    owner = Owner(queue=e.queue, department=e.department, agent_id=e.agent_id)
    return {"status": Status.ASSIGNED, "owner": owner}


def queued(state: ComplaintState, e: dispatch.ComplaintQueued) -> Changes:
    return {"status": Status.QUEUED, "owner": Owner(queue=e.queue, department=e.department)}


def transferred(state: ComplaintState, e: dispatch.ComplaintTransferred) -> Changes:
    owner = Owner(queue=e.to_queue, department=e.to_department, agent_id=e.to_agent_id)
    return {"owner": owner, "transfers": e.transfer_count}


def collaborator_added(state: ComplaintState, e: dispatch.CollaboratorAdded) -> Changes:
    return {"collaborators": (*state.collaborators, e.department)}


def clock_started(state: ComplaintState, e: sla.SlaClockStarted) -> Changes:
    clock = Clock(
        clock_id=e.clock_id, severity=e.severity.value, policy_id=e.policy_id,
        policy_version=e.policy_version, status=ClockStatus.RUNNING, started_at=e.started_at,
        warn_at=e.warn_at, deadline_at=e.deadline_at,
    )
    return {"sla": {**state.sla, e.target.value: clock}}


def _clock(state: ComplaintState, clock_id: str, **changes: Any) -> Changes:
    """Changes to the clock with this id; a clock whose start is not in the history stays out."""
    return {"sla": {
        target: clock.model_copy(update=changes) if clock.clock_id == clock_id else clock
        for target, clock in state.sla.items()
    }}


def clock_paused(state: ComplaintState, e: sla.SlaClockPaused) -> Changes:
    return _clock(state, e.clock_id, status=ClockStatus.PAUSED)


def clock_resumed(state: ComplaintState, e: sla.SlaClockResumed) -> Changes:
    return _clock(state, e.clock_id, status=ClockStatus.RUNNING, deadline_at=e.new_deadline_at)


def warning_raised(state: ComplaintState, e: sla.SlaWarningRaised) -> Changes:
    return _clock(state, e.clock_id, warned=True)


def breached(state: ComplaintState, e: sla.SlaBreached) -> Changes:
    return _clock(state, e.clock_id, breached_at=e.breached_at)


def escalated(state: ComplaintState, e: sla.SlaEscalated) -> Changes:
    return {"escalation_level": e.level.value}


def clock_stopped(state: ComplaintState, e: sla.SlaClockStopped) -> Changes:
    return _clock(
        state, e.clock_id, status=ClockStatus.STOPPED, stopped_at=e.stopped_at, met=e.met
    )


def case_opened(state: ComplaintState, e: resolution.CaseOpened) -> Changes:
    return {"status": Status.CASE_OPENED, "case_id": e.case_id}


def investigation_started(state: ComplaintState, e: resolution.InvestigationStarted) -> Changes:
    return {"status": Status.INVESTIGATING, "investigator": e.investigator}


def first_response_sent(state: ComplaintState, e: resolution.FirstResponseSent) -> Changes:
    return {"first_response_at": e.sent_at}


def customer_wait_started(state: ComplaintState, e: resolution.CustomerWaitStarted) -> Changes:
    return {"waiting_on_customer_since": e.started_at}


def customer_replied(state: ComplaintState, e: resolution.CustomerReplied) -> Changes:
    return {"waiting_on_customer_since": None}


def progress_updated(state: ComplaintState, e: resolution.ProgressUpdated) -> Changes:
    return {"progress_updates": state.progress_updates + 1}


def conflict_declared(state: ComplaintState, e: resolution.ConflictDeclared) -> Changes:
    return {"recused": (*state.recused, e.person)}


def action_refused(state: ComplaintState, e: resolution.ActionRefused) -> Changes:
    return {"refused_actions": state.refused_actions + 1}


def note_added(state: ComplaintState, e: resolution.InvestigationNoteAdded) -> Changes:
    return {"notes": state.notes + 1}


def evidence_attached(state: ComplaintState, e: resolution.EvidenceAttached) -> Changes:
    return {"evidence": state.evidence + 1}


def proposed(state: ComplaintState, e: resolution.ResolutionProposed) -> Changes:
    proposal = Proposal(
        proposal_id=e.proposal_id, kind=e.kind.value, amount=e.amount, currency=e.currency
    )
    return {"status": Status.RESOLUTION_PROPOSED, "proposal": proposal}


def _proposal(state: ComplaintState, proposal_id: str, **changes: Any) -> Proposal | None:
    if state.proposal is None or state.proposal.proposal_id != proposal_id:
        return state.proposal
    return state.proposal.model_copy(update=changes)


def approval_requested(state: ComplaintState, e: resolution.ApprovalRequested) -> Changes:
    return {"status": Status.AWAITING_APPROVAL}


def approved(state: ComplaintState, e: resolution.ProposalApproved) -> Changes:
    proposal = _proposal(state, e.proposal_id, approvals=e.step, fully_approved=e.final)
    return {"status": Status.APPROVED, "proposal": proposal}


def rejected(state: ComplaintState, e: resolution.ProposalRejected) -> Changes:
    proposal = _proposal(state, e.proposal_id, rejected=True)
    return {"status": Status.PROPOSAL_REJECTED, "proposal": proposal}


def executed(state: ComplaintState, e: resolution.ResolutionExecuted) -> Changes:
    return {"status": Status.RESOLVED, "proposal": _proposal(state, e.proposal_id, executed=True)}


def task_assigned(state: ComplaintState, e: resolution.TaskAssigned) -> Changes:
    task = Task(proposal_id=e.proposal_id, title=e.title, assignee=e.assignee, due_at=e.due_at)
    return {"tasks": {**state.tasks, e.task_id: task}}


def task_completed(state: ComplaintState, e: resolution.TaskCompleted) -> Changes:
    tasks = dict(state.tasks)
    if e.task_id in tasks:
        tasks[e.task_id] = tasks[e.task_id].model_copy(update={"completed_by": e.completed_by})
    return {"tasks": tasks}


def customer_notified(state: ComplaintState, e: resolution.CustomerNotified) -> Changes:
    return {"customer_notifications": state.customer_notifications + 1}


def feedback_received(state: ComplaintState, e: resolution.FeedbackReceived) -> Changes:
    return {"csat": e.csat, "nps": e.nps}


def closed(state: ComplaintState, e: resolution.ComplaintClosed) -> Changes:
    return {
        "status": Status.CLOSED, "closed_by": e.closed_by,
        "root_cause_category": e.root_cause_category,
    }


def reopened(state: ComplaintState, e: resolution.ComplaintReopened) -> Changes:
    return {"status": Status.REOPENED, "reopen_count": state.reopen_count + 1}


APPLY: Mapping[type[DomainEvent], Callable[[ComplaintState, Any], Changes]] = {
    intake.ComplaintReceived: received,
    intake.ComplaintClassified: classified,
    intake.ComplaintMarkedDuplicate: marked_duplicate,
    intake.ComplaintHistoryRecorded: history_recorded,
    intake.CustomerErased: customer_erased,
    dispatch.ComplaintAssigned: assigned,
    dispatch.ComplaintQueued: queued,
    dispatch.ComplaintTransferred: transferred,
    dispatch.CollaboratorAdded: collaborator_added,
    sla.SlaClockStarted: clock_started,
    sla.SlaClockPaused: clock_paused,
    sla.SlaClockResumed: clock_resumed,
    sla.SlaWarningRaised: warning_raised,
    sla.SlaBreached: breached,
    sla.SlaEscalated: escalated,
    sla.SlaClockStopped: clock_stopped,
    resolution.CaseOpened: case_opened,
    resolution.InvestigationStarted: investigation_started,
    resolution.InvestigationNoteAdded: note_added,
    resolution.EvidenceAttached: evidence_attached,
    resolution.ResolutionProposed: proposed,
    resolution.ApprovalRequested: approval_requested,
    resolution.ProposalApproved: approved,
    resolution.ProposalRejected: rejected,
    resolution.ResolutionExecuted: executed,
    resolution.CustomerNotified: customer_notified,
    resolution.FeedbackReceived: feedback_received,
    resolution.ComplaintClosed: closed,
    resolution.ComplaintReopened: reopened,
    resolution.FirstResponseSent: first_response_sent,
    resolution.CustomerWaitStarted: customer_wait_started,
    resolution.CustomerReplied: customer_replied,
    resolution.ProgressUpdated: progress_updated,
    resolution.ConflictDeclared: conflict_declared,
    resolution.ActionRefused: action_refused,
    resolution.TaskAssigned: task_assigned,
    resolution.TaskCompleted: task_completed,
}


def apply(state: ComplaintState, envelope: Envelope) -> ComplaintState:
    """The state after one more event."""
    changes: Changes = {}
    try:
        _, event = parse(envelope.model_dump(mode="json"))
    except UnknownEventType:
        event = None
    if (change := APPLY.get(type(event))) is not None:
        changes = change(state, event)
    last = LastEvent(
        id=envelope.id, type=envelope.type, source=envelope.source, time=envelope.time,
        sequence=envelope.sequence,
    )
    return state.model_copy(
        update={**changes, "event_count": state.event_count + 1, "last_event": last}
    )


def fold(complaint_id: str, envelopes: Iterable[Envelope]) -> ComplaintState:
    """The state of a complaint after these events, applied in the order given."""
    state = ComplaintState(complaint_id=complaint_id)
    for envelope in envelopes:
        state = apply(state, envelope)
    return state
