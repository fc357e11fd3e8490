"""What the API shows of a case: free text that may hold personal data (notes, updates,
messages to the customer) in plaintext for `pii:read`, the read logged; masked for others."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import asdict
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from contracts.intake import Language
from contracts.lifecycle import ComplaintStatus
from runtime.auth import Personal, Principal
from runtime.auth.masking import REDACTED, mask, may_read_personal_data
from runtime.auth.pii_log import PiiAccessLog
from runtime.vault import is_sealed
from services.resolution.domain import Case
from services.resolution.domain.language import DEFAULT
from services.resolution.messages import sla_alert_detail, status_label


class TaskView(BaseModel):
    task_id: str
    title: str
    assignee: str
    due_at: datetime
    completed_by: str | None
    evidence_ids: list[str]


class ProposalView(BaseModel):
    proposal_id: str
    kind: str
    solution_id: str
    amount: Decimal | None
    currency: str | None
    description: str
    proposed_by: str
    status: str
    status_label: str = Field(description="The status in the caller's language")
    approval_chain: list[str]
    approvals: list[dict[str, Any]]
    rejection: dict[str, Any] | None
    awaiting_role: str | None
    awaiting_since: datetime | None
    tasks: list[TaskView]


class NoteView(BaseModel):
    model_config = ConfigDict(extra="allow")

    note_id: str
    author: str
    text: Annotated[str | None, Personal.TEXT]
    template: str | None
    fields: dict[str, Any]
    visibility: str
    at: datetime


class UpdateView(BaseModel):
    model_config = ConfigDict(extra="allow")

    update_id: str
    author: str
    text: Annotated[str, Personal.TEXT]
    visibility: str
    at: datetime


class NotificationView(BaseModel):
    model_config = ConfigDict(extra="allow")

    channel: str
    kind: str
    message: Annotated[str | None, Personal.TEXT]
    by: str
    at: datetime


class CaseView(BaseModel):
    complaint_id: str
    case_id: uuid.UUID
    status: ComplaintStatus | None = Field(
        description="The complaint's lifecycle status, the same on every service "
        "(contracts.lifecycle); None until resolution has heard the complaint's events")
    case_status: str = Field(description="The case's own state: open, investigating, closed")
    case_status_label: str = Field(description="The case's state in the caller's language")
    language: str | None = Field(
        description="The complaint's language (zh, en): customers are answered in it")
    owner_queue: str | None
    owner_agent_id: str | None
    handler: str | None
    opened_at: datetime
    first_response_at: datetime | None
    waiting_since: datetime | None
    conflicted: list[str]
    notes: list[NoteView]
    evidence: list[dict[str, Any]]
    updates: list[UpdateView]
    notifications: list[NotificationView]
    proposals: list[ProposalView]
    executed_proposal_id: str | None
    sla_alerts: list[dict[str, Any]] = Field(
        description="SLA warnings, breaches and escalations: their facts, and `detail` in the "
        "caller's language (English for alerts recorded before facts were kept)")
    refusals: list[dict[str, Any]]
    root_cause: dict[str, Any] | None
    closure: dict[str, Any] | None
    previous_closures: list[dict[str, Any]]
    reopen_count: int
    surveys: list[dict[str, Any]]


def proposal_view(p: Any, language: Language = DEFAULT) -> ProposalView:
    pending = p.status == "pending_approval"
    return ProposalView(
        status_label=status_label(str(p.status), language),
        proposal_id=p.proposal_id, kind=str(p.kind), solution_id=p.solution_id, amount=p.amount,
        currency=p.currency, description=p.description, proposed_by=p.proposed_by,
        status=str(p.status), approval_chain=p.chain, approvals=p.approvals,
        rejection=p.rejection,
        awaiting_role=p.chain[p.next_step - 1] if pending else None,
        awaiting_since=p.awaiting_since,
        tasks=[TaskView(**t.__dict__) for t in p.tasks.values()],
    )


def case_view(
    case: Case, status: ComplaintStatus | None, *, language: Language = DEFAULT,
    complaint_language: Language | None = None,
) -> CaseView:
    """The case as agents and supervisors see it, labels in `language`; survey tokens never
    leave the store."""
    return CaseView(
        complaint_id=case.complaint_id, case_id=case.id, status=status,
        case_status=str(case.status), case_status_label=status_label(case.status, language),
        language=complaint_language,
        owner_queue=case.owner_queue, owner_agent_id=case.owner_agent_id,
        handler=case.handler, opened_at=case.created_on,
        first_response_at=case.first_response_at, waiting_since=case.waiting_since,
        conflicted=sorted(case.conflicts), notes=case.notes,
        evidence=[asdict(item) for item in case.evidence.values()], updates=case.updates,
        notifications=case.notifications,
        proposals=[proposal_view(p, language) for p in case.proposals.values()],
        executed_proposal_id=case.executed_proposal_id,
        sla_alerts=[sla_alert_view(alert, language) for alert in case.sla_alerts],
        refusals=case.refusals, root_cause=case.root_cause, closure=case.closure,
        previous_closures=case.previous_closures, reopen_count=case.reopen_count,
        surveys=[
            {"survey_id": s.survey_id, "expires_at": s.expires_at, "answered_at": s.answered_at,
             "csat": s.csat, "nps": s.nps, "revoked_at": s.revoked_at}
            for s in case.surveys.values()
        ],
    )


def sla_alert_view(alert: dict[str, Any], language: Language) -> dict[str, Any]:
    """An SLA alert with its detail in `language`; one recorded before its facts were kept
    keeps the English it was recorded with."""
    detail = sla_alert_detail(alert["kind"], alert.get("facts"), language)
    return {**alert, "detail": detail or alert["detail"]}


PERSONAL_LISTS = ("notes", "updates", "notifications")
V = TypeVar("V", bound=BaseModel)


def shown(
    view: CaseView, caller: Principal, *, log: PiiAccessLog, open_: Callable[[Any], Any]
) -> CaseView:
    """The case as caller may see it: plaintext with `pii:read` (the read logged; `[erased]`
    once the customer is erased), else masked. `open_` opens a sealed value."""
    if not may_read_personal_data(caller):
        masked = mask(view)
        return opened_or_masked(masked.model_copy(update={
            "notes": [note.model_copy(update={"fields": dict.fromkeys(note.fields, REDACTED)})
                      for note in masked.notes],
            "evidence": [{**item, "filename": REDACTED} for item in view.evidence]}),
            lambda _: REDACTED)
    log.record(caller, complaint_id=view.complaint_id,
               fields=[name for name in PERSONAL_LISTS if getattr(view, name)])
    return opened_or_masked(view.model_copy(update={
        "notes": [n.model_copy(update={"text": open_(n.text), "fields": open_(n.fields)})
                  for n in view.notes],
        "updates": [u.model_copy(update={"text": open_(u.text)}) for u in view.updates],
        "notifications": [m.model_copy(update={"message": open_(m.message)})
                          for m in view.notifications],
        "evidence": [{**item, "filename": open_(item["filename"])} for item in view.evidence],
    }), open_)


def opened_or_masked(view: V, change: Callable[[str], Any]) -> V:
    """The view with every sealed value still in it (approval comments, reasons, root-cause
    detail, proposal descriptions, at any depth) opened, or masked, by `change`."""

    def walk(value: Any) -> Any:
        if isinstance(value, dict):
            return {key: walk(item) for key, item in value.items()}
        if isinstance(value, list | tuple):
            return [walk(item) for item in value]
        return change(value) if is_sealed(value) else value

    return type(view).model_validate(walk(view.model_dump()))
