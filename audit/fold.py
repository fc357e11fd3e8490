"""Folds a complaint's published events, in history order, into its state. Pure: no I/O.

Each event type has one function giving the fields it changes (audit.changes); `APPLY`
routes by type. Types not in `APPLY` (an alert, a newer event this module does not know yet)
still count as the complaint's last event, so the state never hides that something happened.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from audit import beside, changes
from audit.changes import Changes
from audit.state import ComplaintState, LastEvent
from contracts import dispatch, intake, notify, resolution, sla, work
from contracts.envelope import DomainEvent, Envelope
from contracts.lifecycle import current_status, status_set_by
from contracts.registry import UnknownEventType, parse

APPLY: Mapping[type[DomainEvent], Callable[[ComplaintState, Any], Changes]] = {
    intake.ComplaintReceived: changes.received,
    intake.ComplaintClassified: changes.classified,
    intake.ComplaintMarkedDuplicate: changes.marked_duplicate,
    intake.ComplaintCategoryCorrected: changes.category_corrected,
    intake.ComplaintHistoryRecorded: changes.history_recorded,
    intake.CustomerErased: changes.customer_erased,
    dispatch.ComplaintAssigned: changes.assigned,
    dispatch.ComplaintQueued: changes.queued,
    dispatch.ComplaintTransferred: changes.transferred,
    dispatch.CollaboratorAdded: changes.collaborator_added,
    sla.SlaClockStarted: changes.clock_started,
    sla.SlaClockPaused: changes.clock_paused,
    sla.SlaClockResumed: changes.clock_resumed,
    sla.SlaWarningRaised: changes.warning_raised,
    sla.SlaBreached: changes.breached,
    sla.SlaEscalated: changes.escalated,
    sla.SlaClockStopped: changes.clock_stopped,
    sla.SlaClockRebased: changes.clock_rebased,
    resolution.CaseOpened: changes.case_opened,
    resolution.InvestigationStarted: changes.investigation_started,
    resolution.InvestigationNoteAdded: changes.note_added,
    resolution.EvidenceAttached: changes.evidence_attached,
    resolution.ResolutionProposed: changes.proposed,
    resolution.ApprovalRequested: changes.approval_requested,
    resolution.ProposalApproved: changes.approved,
    resolution.ProposalRejected: changes.rejected,
    resolution.ResolutionExecuted: changes.executed,
    resolution.CustomerNotified: changes.customer_notified,
    resolution.SurveyRevoked: changes.survey_revoked,
    resolution.FeedbackReceived: changes.feedback_received,
    resolution.ComplaintClosed: changes.closed,
    resolution.ComplaintReopened: changes.reopened,
    resolution.FirstResponseSent: changes.first_response_sent,
    resolution.CustomerWaitStarted: changes.customer_wait_started,
    resolution.CustomerReplied: changes.customer_replied,
    resolution.ProgressUpdated: changes.progress_updated,
    resolution.ConflictDeclared: changes.conflict_declared,
    resolution.ActionRefused: changes.action_refused,
    resolution.TaskAssigned: changes.task_assigned,
    resolution.TaskCompleted: changes.task_completed,
    resolution.TaskDeadlineMissed: changes.task_deadline_missed,
    resolution.FollowUpOpened: changes.follow_up_opened,
    resolution.FollowUpCompleted: changes.follow_up_completed,
    resolution.CollaborationCompleted: changes.collaboration_completed,
    notify.NotificationSent: beside.notification_sent,
    notify.NotificationFailed: beside.notification_failed,
    work.ComplaintTagged: beside.tagged,
    work.ComplaintUntagged: beside.untagged,
}


def apply(state: ComplaintState, envelope: Envelope) -> ComplaintState:
    """The state after one more event."""
    changed: Changes = {}
    try:
        _, event = parse(envelope.model_dump(mode="json"))
    except UnknownEventType:
        event = None
    if (change := APPLY.get(type(event))) is not None:
        changed = change(state, event)
    if event is not None and (said := status_set_by(event)) is not None:
        by_stage = {**state.status_by_stage, said[0]: said[1]}
        changed |= {"status_by_stage": by_stage, "status": current_status(by_stage)}
    last = LastEvent(
        id=envelope.id, type=envelope.type, source=envelope.source, time=envelope.time,
        sequence=envelope.sequence,
    )
    return state.model_copy(
        update={**changed, "event_count": state.event_count + 1, "last_event": last}
    )


def fold(complaint_id: str, envelopes: Iterable[Envelope]) -> ComplaintState:
    """The state of a complaint after these events, applied in the order given."""
    state = ComplaintState(complaint_id=complaint_id)
    for envelope in envelopes:
        state = apply(state, envelope)
    return state
