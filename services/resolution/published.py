"""Maps resolution's aggregate events to the published contracts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from contracts import resolution as c
from contracts.envelope import DomainEvent
from runtime.attribution import FirstEvents
from runtime.translation import Translator
from services.resolution.domain import Case
from services.resolution.domain.closure import ClosureMixin
from services.resolution.domain.collaboration import CollaborationMixin
from services.resolution.domain.communication import CommunicationMixin
from services.resolution.domain.execution import ExecutionMixin
from services.resolution.domain.feedback import FeedbackMixin
from services.resolution.domain.follow_up import FollowUpMixin
from services.resolution.domain.investigation import InvestigationMixin
from services.resolution.domain.proposals import ProposalsMixin


def _contract(cls: type[DomainEvent], fields: Callable[[Any], dict[str, Any]]):
    def to_contract(stored: Any) -> DomainEvent:
        return cls(complaint_id=stored.complaint_id, **fields(stored))
    return to_contract


MAPPINGS: dict[type, Callable[[Any], DomainEvent]] = {
    Case.Accepted: _contract(c.InvestigationStarted, lambda e: {"investigator": e.agent}),
    Case.ConflictDeclared: _contract(c.ConflictDeclared, lambda e: {
        "person": e.person, "declared_by": e.by, "reason": e.reason}),
    Case.ActionRefused: _contract(c.ActionRefused, lambda e: {
        "actor": e.actor, "action": e.action, "rule": e.rule, "detail": e.detail,
        "proposal_id": e.proposal_id}),
    CommunicationMixin.ProgressUpdated: _contract(c.ProgressUpdated, lambda e: {
        "update_id": e.update_id, "author": e.author, "text": e.text,
        "visibility": e.visibility}),
    CommunicationMixin.CustomerNotified: _contract(c.CustomerNotified, lambda e: {
        "channel": e.channel, "message_kind": e.kind, "message": e.message,
        "link": None if e.kind == c.MessageKind.SURVEY else e.link,  # a survey's is a token
        "notified_by": e.by, "survey_id": e.survey_id}),
    CommunicationMixin.FirstResponseSent: _contract(c.FirstResponseSent, lambda e: {
        "responder": e.responder, "channel": e.channel, "sent_at": e.at}),
    CommunicationMixin.CustomerWaitStarted: _contract(c.CustomerWaitStarted, lambda e: {
        "actor": e.actor, "reason": e.reason, "started_at": e.at}),
    CommunicationMixin.CustomerReplied: _contract(c.CustomerReplied, lambda e: {
        "recorded_by": e.by, "channel": e.channel, "replied_at": e.at}),
    InvestigationMixin.InvestigationNoteAdded: _contract(c.InvestigationNoteAdded, lambda e: {
        "note_id": e.note_id, "author": e.author, "text": e.text, "template": e.template,
        "fields": e.fields, "visibility": e.visibility}),
    InvestigationMixin.EvidenceAttached: _contract(c.EvidenceAttached, lambda e: {
        "evidence_id": e.evidence_id, "filename": e.filename, "content_type": e.content_type,
        "sha256": e.sha256, "size_bytes": e.size_bytes, "kind": e.kind,
        "attached_by": e.by}),
    ProposalsMixin.ResolutionProposed: _contract(c.ResolutionProposed, lambda e: {
        "proposal_id": e.proposal_id, "kind": e.kind, "amount": e.amount,
        "currency": e.currency, "description": e.description, "proposed_by": e.by}),
    ProposalsMixin.ApprovalRequested: _contract(c.ApprovalRequested, lambda e: {
        "proposal_id": e.proposal_id, "approver_role": e.role, "step": e.step}),
    ProposalsMixin.ProposalApproved: _contract(c.ProposalApproved, lambda e: {
        "proposal_id": e.proposal_id, "approver": e.approver, "step": e.step,
        "approver_role": e.role, "final": e.final, "comment": e.comment}),
    ProposalsMixin.ProposalRejected: _contract(c.ProposalRejected, lambda e: {
        "proposal_id": e.proposal_id, "approver": e.approver, "reason": e.reason,
        "comment": e.comment}),
    ExecutionMixin.TaskAssigned: _contract(c.TaskAssigned, lambda e: {
        "proposal_id": e.proposal_id, "task_id": e.task_id, "title": e.title,
        "assignee": e.assignee, "due_at": e.due_at, "assigned_by": e.by}),
    ExecutionMixin.TaskCompleted: _contract(c.TaskCompleted, lambda e: {
        "proposal_id": e.proposal_id, "task_id": e.task_id, "completed_by": e.by,
        "evidence_ids": tuple(e.evidence_ids), "note": e.note}),
    ExecutionMixin.ResolutionExecuted: _contract(c.ResolutionExecuted, lambda e: {
        "proposal_id": e.proposal_id, "executed_by": e.by,
        "evidence_ids": tuple(e.evidence_ids)}),
    FeedbackMixin.SurveyRevoked: _contract(c.SurveyRevoked, lambda e: {
        "survey_id": e.survey_id, "revoked_by": e.by, "reason": e.reason}),
    FeedbackMixin.FeedbackReceived: _contract(c.FeedbackReceived, lambda e: {
        "csat": e.csat, "nps": e.nps, "comment": e.comment}),
    FollowUpMixin.FollowUpOpened: _contract(c.FollowUpOpened, lambda e: {
        "task_id": e.task_id, "survey_id": e.survey_id, "assignee": e.assignee,
        "owner_queue": e.owner_queue, "due_at": e.due_at}),
    FollowUpMixin.FollowUpCompleted: _contract(c.FollowUpCompleted, lambda e: {
        "task_id": e.task_id, "outcome": e.outcome, "completed_by": e.by, "note": e.note}),
    FollowUpMixin.DeadlineMissed: _contract(c.TaskDeadlineMissed, lambda e: {
        "task_id": e.task_id, "proposal_id": e.proposal_id, "assignee": e.assignee,
        "due_at": e.due_at}),
    CollaborationMixin.CollaborationCompleted: _contract(c.CollaborationCompleted, lambda e: {
        "task_id": e.task_id, "department": e.department, "completed_by": e.by}),
    ClosureMixin.ComplaintClosed: _contract(c.ComplaintClosed, lambda e: {
        "closed_by": e.by, "root_cause_category": e.category, "why_chain": tuple(e.why_chain),
        "root_cause_taxonomy_version": e.taxonomy_version, "root_cause_detail": e.detail,
        "exception_reason": e.exception_reason, "resolution_kind": e.resolution_kind,
        "automatic": e.automatic}),
    ClosureMixin.ComplaintReopened: _contract(c.ComplaintReopened, lambda e: {
        "reason": e.reason, "reopened_by": e.by,
        "previous_owner_agent_id": e.previous_owner_agent_id,
        "previous_owner_queue": e.previous_owner_queue, "reopen_count": e.reopen_count}),
}


def case_opened(stored: Any) -> c.CaseOpened:
    return c.CaseOpened(
        complaint_id=stored.complaint_id,
        case_id=str(stored.originator_id),
        owner_agent_id=stored.owner_agent_id,
        owner_queue=stored.owner_queue,
    )


def translator(*, source: str, first_events: FirstEvents | None = None) -> Translator:
    """The translator the outbox relay publishes resolution's events with.

    Owner changes, SLA alerts, collaboration requests, root causes recorded ahead of closure
    and survey tokens stay internal: the first three are other services' facts, the last is a
    secret (a survey is published by its id; even the links version 1 recorded are never
    published).
    """
    return Translator(source=source, first_events=first_events,
                      mappings={Case.Opened: case_opened, **MAPPINGS})
