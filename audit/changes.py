"""What each published event changes in a complaint's state: one pure function per type."""

from __future__ import annotations

from typing import Any

from audit.state import (
    Clock,
    ClockStatus,
    ComplaintState,
    FollowUp,
    Owner,
    Proposal,
    RecordedOutcome,
    Task,
)
from contracts import dispatch, intake, resolution, sla

Changes = dict[str, Any]


def received(state: ComplaintState, e: intake.ComplaintReceived) -> Changes:
    return {
        "channel": e.channel.value, "customer_id": e.customer_id,
        "customer_tier": e.customer_tier.value, "region": e.region, "historical": e.historical,
        "received_at": e.received_at,
    }


def classified(state: ComplaintState, e: intake.ComplaintClassified) -> Changes:
    return {"category": e.category, "severity": e.severity.value}


def category_corrected(state: ComplaintState, e: intake.ComplaintCategoryCorrected) -> Changes:
    return {"category": e.category}


def marked_duplicate(state: ComplaintState, e: intake.ComplaintMarkedDuplicate) -> Changes:
    return {"duplicate_of": e.original_complaint_id}


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
    return {"owner": owner}


def queued(state: ComplaintState, e: dispatch.ComplaintQueued) -> Changes:
    return {"owner": Owner(queue=e.queue, department=e.department)}


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


def clock_rebased(state: ComplaintState, e: sla.SlaClockRebased) -> Changes:
    clock = next((c for c in state.sla.values() if c.clock_id == e.clock_id), None)
    return _clock(
        state, e.clock_id, severity=e.severity.value, policy_id=e.policy_id,
        policy_version=e.policy_version, deadline_at=e.deadline_at, warn_at=e.warn_at,
        rebased=clock.rebased + 1 if clock else 0,
    )


def warning_raised(state: ComplaintState, e: sla.SlaWarningRaised) -> Changes:
    return _clock(state, e.clock_id, warned=True)


def breached(state: ComplaintState, e: sla.SlaBreached) -> Changes:
    return _clock(state, e.clock_id, breached_at=e.breached_at)


def escalated(state: ComplaintState, e: sla.SlaEscalated) -> Changes:
    return {"escalation_level": e.level.value}


def clock_stopped(state: ComplaintState, e: sla.SlaClockStopped) -> Changes:
    return _clock(
        state, e.clock_id, status=ClockStatus.STOPPED, stopped_at=e.stopped_at, met=e.met,
        outcome=e.outcome,
    )


def case_opened(state: ComplaintState, e: resolution.CaseOpened) -> Changes:
    return {"case_id": e.case_id}


def investigation_started(state: ComplaintState, e: resolution.InvestigationStarted) -> Changes:
    return {"investigator": e.investigator}


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
    return {"proposal": proposal}


def _proposal(state: ComplaintState, proposal_id: str, **changes: Any) -> Proposal | None:
    if state.proposal is None or state.proposal.proposal_id != proposal_id:
        return state.proposal
    return state.proposal.model_copy(update=changes)


def approval_requested(state: ComplaintState, e: resolution.ApprovalRequested) -> Changes:
    return {}


def approved(state: ComplaintState, e: resolution.ProposalApproved) -> Changes:
    proposal = _proposal(state, e.proposal_id, approvals=e.step, fully_approved=e.final)
    return {"proposal": proposal}


def rejected(state: ComplaintState, e: resolution.ProposalRejected) -> Changes:
    proposal = _proposal(state, e.proposal_id, rejected=True)
    return {"proposal": proposal}


def executed(state: ComplaintState, e: resolution.ResolutionExecuted) -> Changes:
    return {"proposal": _proposal(state, e.proposal_id, executed=True)}


def task_assigned(state: ComplaintState, e: resolution.TaskAssigned) -> Changes:
    task = Task(proposal_id=e.proposal_id, title=e.title, assignee=e.assignee, due_at=e.due_at)
    return {"tasks": {**state.tasks, e.task_id: task}}


def task_completed(state: ComplaintState, e: resolution.TaskCompleted) -> Changes:
    tasks = dict(state.tasks)
    if e.task_id in tasks:
        tasks[e.task_id] = tasks[e.task_id].model_copy(update={"completed_by": e.completed_by})
    return {"tasks": tasks}


def task_deadline_missed(state: ComplaintState, e: resolution.TaskDeadlineMissed) -> Changes:
    # The event stays in the history; the state marks the task (or follow-up) as late.
    if e.task_id in state.follow_ups:
        late = state.follow_ups[e.task_id].model_copy(update={"deadline_missed": True})
        return {"follow_ups": {**state.follow_ups, e.task_id: late}}
    if e.task_id in state.tasks:
        late = state.tasks[e.task_id].model_copy(update={"deadline_missed": True})
        return {"tasks": {**state.tasks, e.task_id: late}}
    return {}


def follow_up_opened(state: ComplaintState, e: resolution.FollowUpOpened) -> Changes:
    follow_up = FollowUp(survey_id=e.survey_id, assignee=e.assignee, owner_queue=e.owner_queue,
                         due_at=e.due_at)
    return {"follow_ups": {**state.follow_ups, e.task_id: follow_up}}


def follow_up_completed(state: ComplaintState, e: resolution.FollowUpCompleted) -> Changes:
    if e.task_id not in state.follow_ups:
        return {}
    done = state.follow_ups[e.task_id].model_copy(
        update={"outcome": e.outcome, "completed_by": e.completed_by})
    return {"follow_ups": {**state.follow_ups, e.task_id: done}}


def customer_notified(state: ComplaintState, e: resolution.CustomerNotified) -> Changes:
    return {"customer_notifications": state.customer_notifications + 1}


def survey_revoked(state: ComplaintState, e: resolution.SurveyRevoked) -> Changes:
    return {}  # in the history; nothing of the folded state (csat, nps) changes


def feedback_received(state: ComplaintState, e: resolution.FeedbackReceived) -> Changes:
    return {"csat": e.csat, "nps": e.nps}


def closed(state: ComplaintState, e: resolution.ComplaintClosed) -> Changes:
    return {
        "closed_by": e.closed_by,
        "root_cause_category": e.root_cause_category,
    }


def reopened(state: ComplaintState, e: resolution.ComplaintReopened) -> Changes:
    return {"reopen_count": state.reopen_count + 1}


def collaboration_completed(state: ComplaintState,
                            e: resolution.CollaborationCompleted) -> Changes:
    return {"collaborations_done": (*state.collaborations_done, e.department)}
