"""What an auditor reads as a complaint's state: the lifecycle, not the personal data."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from contracts.lifecycle import ComplaintStatus, Stage
from contracts.sla import ClockOutcome


class ClockStatus(StrEnum):
    RUNNING = "running"
    PAUSED = "paused"
    STOPPED = "stopped"


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class Owner(Frozen):
    queue: str
    department: str
    agent_id: str | None = None


class Clock(Frozen):
    clock_id: str
    severity: str
    policy_id: str
    policy_version: str
    status: ClockStatus
    started_at: datetime
    warn_at: datetime | None
    deadline_at: datetime | None  # None while a re-based clock is paused, until it resumes
    rebased: int = 0
    warned: bool = False
    breached_at: datetime | None = None
    stopped_at: datetime | None = None
    met: bool | None = None
    outcome: ClockOutcome | None = None  # met, breached, or cancelled: neither


class Proposal(Frozen):
    proposal_id: str
    kind: str
    amount: Decimal | None = None
    currency: str | None = None
    approvals: int = 0
    fully_approved: bool = False
    executed: bool = False
    rejected: bool = False


class Task(Frozen):
    proposal_id: str
    title: str
    assignee: str
    due_at: datetime
    completed_by: str | None = None
    deadline_missed: bool = False


class FollowUp(Frozen):
    """A follow-up (回访) a low survey score opened: work pending on the case until it has an
    outcome (done, or the customer accepted)."""

    survey_id: str
    assignee: str | None
    owner_queue: str | None = None
    due_at: datetime
    deadline_missed: bool = False
    outcome: str | None = None
    completed_by: str | None = None


class RecordedOutcome(Frozen):
    """How another system (e.g. the CFPB) says an imported complaint went."""

    company_response: str | None = None
    sent_to_company_at: datetime | None = None
    timely: bool | None = None
    consumer_disputed: bool | None = None


class LastEvent(Frozen):
    id: uuid.UUID
    type: str
    source: str
    time: datetime
    sequence: int


class ComplaintState(Frozen):
    """A complaint as its events left it; None/empty where no event has said anything yet."""

    complaint_id: str
    as_of: datetime | None = None
    status: ComplaintStatus | None = None
    # What each stage last said, of which the furthest stage's word is the status.
    status_by_stage: dict[Stage, ComplaintStatus] = Field(default={}, exclude=True)
    channel: str | None = None
    customer_id: str | None = None
    personal_data_erased_at: datetime | None = None
    customer_tier: str | None = None
    region: str | None = None
    historical: bool | None = None
    received_at: datetime | None = None
    category: str | None = None
    severity: str | None = None
    duplicate_of: str | None = None
    recorded_outcome: RecordedOutcome | None = None
    owner: Owner | None = None
    transfers: int = 0
    collaborators: tuple[str, ...] = ()
    # Departments that reported their collaboration task done, in order (resolution).
    collaborations_done: tuple[str, ...] = ()
    sla: dict[str, Clock] = {}
    escalation_level: str | None = None
    case_id: str | None = None
    investigator: str | None = None
    first_response_at: datetime | None = None
    waiting_on_customer_since: datetime | None = None
    notes: int = 0
    progress_updates: int = 0
    evidence: int = 0
    recused: tuple[str, ...] = ()
    refused_actions: int = 0
    proposal: Proposal | None = None
    tasks: dict[str, Task] = {}
    follow_ups: dict[str, FollowUp] = {}
    customer_notifications: int = 0
    # notify's delivery records (notify.events.v1) and work's manual tags (work.events.v1).
    notifications_sent: int = 0
    notifications_failed: int = 0
    tags: tuple[str, ...] = ()
    csat: int | None = None
    nps: int | None = None
    closed_by: str | None = None
    root_cause_category: str | None = None
    reopen_count: int = 0
    event_count: int = 0
    last_event: LastEvent | None = None
