"""Events published by resolution on `resolution.events.v1`.

Free text that may name people (notes, updates, messages, survey comments, task notes, reasons,
comments, proposal descriptions, root-cause detail) is marked `Personal.TEXT`
(contracts.personal): readers mask it for callers without `pii:read`.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated

from pydantic import Field, PlainSerializer, WithJsonSchema, model_validator

from contracts.envelope import ComplaintEvent, DomainEvent
from contracts.personal import Personal, sealed_length
from contracts.resolution_customer import (
    CustomerNotified,
    CustomerReplied,
    CustomerWaitStarted,
    FeedbackReceived,
    FirstResponseSent,
    FollowUpCompleted,
    FollowUpOpened,
    SurveyRevoked,
)
from contracts.resolution_kinds import (
    SEALED_BY_CASE,
    EvidenceKind,
    MessageKind,
    NoteVisibility,
    RefusalRule,
    RefusedAction,
    ResolutionKind,
)

# Money travels as a decimal string ("120.00"), never a float, so no cent is lost in transit.
Money = Annotated[
    Decimal,
    Field(ge=0, decimal_places=2),
    PlainSerializer(lambda amount: f"{amount:.2f}", return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "pattern": r"^\d+\.\d{2}$", "examples": ["120.00"]}),
]
Sha256 = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$", description="Hex SHA-256 of the content")]


class _ProposalEvent(ComplaintEvent):
    """Base of the events about one proposal to resolve the complaint, and its execution."""

    proposal_id: str


class CaseOpened(ComplaintEvent):
    """Resolution opened a case for the complaint."""

    event_type = "resolution.case_opened.v1"
    case_id: str
    owner_agent_id: str | None = None
    owner_queue: str | None = None


class InvestigationStarted(ComplaintEvent):
    """An agent began investigating the complaint."""

    event_type = "resolution.investigation_started.v1"
    investigator: str = Field(description="User id of the investigating agent")


class InvestigationNoteAdded(ComplaintEvent):
    """A note was added to the investigation, free-form or from a template."""

    event_type = "resolution.investigation_note_added.v1"
    note_id: str
    author: str
    text: Annotated[str, Personal.TEXT]
    template: str | None = Field(None, description="Id of the note template used, if any")
    fields: Annotated[dict[str, str | int | float | bool | None], Personal.TEXT] = Field(
        default_factory=dict, description="Values of the template's fields by field name"
    )
    visibility: NoteVisibility = Field(description="Whether the customer may see the note")


class EvidenceAttached(ComplaintEvent):
    """A file was attached to the investigation as evidence."""

    event_type = "resolution.evidence_attached.v1"
    evidence_id: str
    filename: str
    content_type: str
    sha256: Sha256
    size_bytes: int = Field(ge=0)
    kind: EvidenceKind
    attached_by: str


class ResolutionProposed(_ProposalEvent):
    """A way to resolve the complaint was proposed; it may need approval."""

    event_type = "resolution.resolution_proposed.v1"
    kind: ResolutionKind
    amount: Money | None = Field(None, description="Money to pay or refund, if any")
    currency: str | None = Field(None, pattern=r"^[A-Z]{3}$", description="ISO 4217, with amount")
    description: Annotated[str, Personal.TEXT] = Field(
        description=f"What is proposed, in the agent's words, {SEALED_BY_CASE}"
    )
    proposed_by: str

    @model_validator(mode="after")
    def check_currency(self) -> ResolutionProposed:
        if (self.amount is None) != (self.currency is None):
            raise ValueError("amount and currency go together")
        return self


class ApprovalRequested(_ProposalEvent):
    """A proposal awaits approval at one step of its approval chain."""

    event_type = "resolution.approval_requested.v1"
    approver_role: str = Field(description="Role that must approve, e.g. team_lead, finance")
    step: int = Field(ge=1, description="Position in the approval chain, from 1")


class ProposalApproved(_ProposalEvent):
    """One approval step accepted the proposal."""

    event_type = "resolution.proposal_approved.v1"
    approver: str
    step: int = Field(ge=1)
    approver_role: str | None = Field(None, description="The role this step required")
    final: bool = Field(False, description="True when no approval step is left: executable")
    comment: Annotated[str | None, Personal.TEXT] = Field(
        None, max_length=sealed_length(1_000),
        description=f"The approver's comment (at most 1,000 characters), {SEALED_BY_CASE}",
    )


class ProposalRejected(_ProposalEvent):
    """An approver turned the proposal down; it will not be executed."""

    event_type = "resolution.proposal_rejected.v1"
    approver: str
    reason: Annotated[str, Personal.TEXT] = Field(description=f"Free text, {SEALED_BY_CASE}")
    comment: Annotated[str | None, Personal.TEXT] = Field(
        None, max_length=sealed_length(1_000),
        description=f"The approver's comment beside the reason (at most 1,000 characters), "
        f"{SEALED_BY_CASE}",
    )


class ResolutionExecuted(_ProposalEvent):
    """The approved resolution was carried out (refund paid, part shipped, ...)."""

    event_type = "resolution.resolution_executed.v1"
    executed_by: str
    evidence_ids: tuple[str, ...] = Field((), description="Evidence that proves the execution")


class ComplaintClosed(ComplaintEvent):
    """The complaint was closed with its root cause."""

    event_type = "complaint.closed.v1"
    closed_by: str
    root_cause_category: str = Field(
        description="A code of the root-cause taxonomy (resolution's root_causes.yaml)"
    )
    why_chain: Annotated[tuple[str, ...], Personal.TEXT] = Field(
        (), description=f"Five-whys answers, from the symptom down to the root cause, each "
        f"{SEALED_BY_CASE}"
    )
    root_cause_taxonomy_version: str | None = Field(
        None, description="Version of the root-cause taxonomy the category is a code of"
    )
    root_cause_detail: Annotated[str | None, Personal.TEXT] = Field(
        None, max_length=sealed_length(2_000),
        description=f"The root cause in the agent's own words (at most 2,000 characters), "
        f"{SEALED_BY_CASE}",
    )
    exception_reason: Annotated[str | None, Personal.TEXT] = Field(
        None, description="Why it was closed without a root-cause analysis, e.g. unreachable; "
        f"free text, {SEALED_BY_CASE}"
    )
    resolution_kind: ResolutionKind | None = Field(
        None, description="Kind of the executed resolution, None when closed by exception"
    )
    automatic: bool = Field(False, description="Closed by the service (survey answered, silence)")

    @model_validator(mode="after")
    def check_root_cause(self) -> ComplaintClosed:
        if not self.why_chain and not self.exception_reason:
            raise ValueError("a closure needs a why_chain or an exception_reason")
        return self


class ComplaintReopened(ComplaintEvent):
    """A closed complaint was reopened."""

    event_type = "complaint.reopened.v1"
    reason: Annotated[str, Personal.TEXT] = Field(description=f"Free text, {SEALED_BY_CASE}")
    reopened_by: str = Field(description="User id, or `customer` when the customer reopened it")
    previous_owner_agent_id: str | None = Field(
        None, description="Who owned it when it closed; dispatch gives it back to them"
    )
    previous_owner_queue: str | None = None
    reopen_count: int = Field(
        1, ge=1, description="Reopenings of this complaint, this one included"
    )


class ProgressUpdated(ComplaintEvent):
    """An agent recorded progress; customer-visible updates are also sent to the customer."""

    event_type = "resolution.progress_updated.v1"
    update_id: str
    author: str
    text: Annotated[str, Personal.TEXT]
    visibility: NoteVisibility


class ConflictDeclared(ComplaintEvent):
    """A person is conflicted on this complaint (回避): may neither handle nor approve it."""

    event_type = "resolution.conflict_declared.v1"
    person: str = Field(description="User id of the conflicted person")
    declared_by: str
    reason: Annotated[str, Personal.TEXT] = Field(description=f"Free text, {SEALED_BY_CASE}")


class ActionRefused(ComplaintEvent):
    """An action was refused by a control (four eyes, recusal, approval); kept for auditors."""

    event_type = "resolution.action_refused.v1"
    actor: str = Field(description="User id of who attempted the action")
    action: RefusedAction
    rule: RefusalRule
    detail: str
    proposal_id: str | None = None


class TaskAssigned(_ProposalEvent):
    """A task carrying out an approved proposal was given to someone, with a due time."""

    event_type = "resolution.task_assigned.v1"
    task_id: str
    title: str
    assignee: str
    due_at: datetime
    assigned_by: str


class TaskCompleted(_ProposalEvent):
    """A task was done; the evidence proves it."""

    event_type = "resolution.task_completed.v1"
    task_id: str
    completed_by: str
    evidence_ids: tuple[str, ...] = Field(description="Evidence attached to the complaint")
    note: Annotated[str | None, Personal.TEXT] = None


class TaskDeadlineMissed(ComplaintEvent):
    """A task (of an execution, or a follow-up) passed its due time undone; raised once per task
    and due time."""

    event_type = "resolution.task_deadline_missed.v1"
    task_id: str
    proposal_id: str | None = Field(None, description="None for a follow-up (回访)")
    assignee: str | None = Field(description="User id, or None when the owning queue has no agent")
    due_at: datetime


class CollaborationCompleted(ComplaintEvent):
    """A department asked to collaborate (dispatch's complaint.collaborator_added.v1) reported
    its task done; `task_id` is the id of dispatch's event that asked."""

    event_type = "resolution.collaboration_completed.v1"
    task_id: str
    department: str = Field(description="The department that was asked to collaborate")
    completed_by: str = Field(description="User id")


EVENTS: tuple[type[DomainEvent], ...] = (
    CaseOpened,
    InvestigationStarted,
    InvestigationNoteAdded,
    EvidenceAttached,
    ResolutionProposed,
    ApprovalRequested,
    ProposalApproved,
    ProposalRejected,
    ResolutionExecuted,
    CustomerNotified,
    SurveyRevoked,
    FeedbackReceived,
    ComplaintClosed,
    ComplaintReopened,
    FirstResponseSent,
    CustomerWaitStarted,
    CustomerReplied,
    ProgressUpdated,
    ConflictDeclared,
    ActionRefused,
    TaskAssigned,
    TaskCompleted,
    TaskDeadlineMissed,
    FollowUpOpened,
    FollowUpCompleted,
    CollaborationCompleted,
)

# Declared beside the events (contracts.resolution_customer, contracts.resolution_kinds) and
# imported from here by services, tests and the schema export.
__all__ = [
    "SEALED_BY_CASE", "CustomerNotified", "CustomerReplied", "CustomerWaitStarted",
    "EvidenceKind", "FeedbackReceived", "FirstResponseSent", "FollowUpCompleted",
    "FollowUpOpened", "MessageKind", "NoteVisibility", "RefusalRule", "RefusedAction",
    "ResolutionKind", "SurveyRevoked",
]
