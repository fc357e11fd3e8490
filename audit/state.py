"""What an auditor reads as a complaint's state: the lifecycle, not the personal data."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, ConfigDict


class Status(StrEnum):
    RECEIVED = "received"
    DUPLICATE = "duplicate"
    QUEUED = "queued"
    ASSIGNED = "assigned"
    CASE_OPENED = "case_opened"
    INVESTIGATING = "investigating"
    RESOLUTION_PROPOSED = "resolution_proposed"
    AWAITING_APPROVAL = "awaiting_approval"
    APPROVED = "approved"
    PROPOSAL_REJECTED = "proposal_rejected"
    RESOLVED = "resolved"
    CLOSED = "closed"
    REOPENED = "reopened"


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
    warn_at: datetime
    deadline_at: datetime
    warned: bool = False
    breached_at: datetime | None = None
    stopped_at: datetime | None = None
    met: bool | None = None


class Proposal(Frozen):
    proposal_id: str
    kind: str
    amount: Decimal | None = None
    currency: str | None = None
    approvals: int = 0
    executed: bool = False
    rejected: bool = False


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
    status: Status | None = None
    channel: str | None = None
    customer_id: str | None = None
    customer_tier: str | None = None
    region: str | None = None
    historical: bool | None = None
    received_at: datetime | None = None
    category: str | None = None
    severity: str | None = None
    duplicate_of: str | None = None
    owner: Owner | None = None
    transfers: int = 0
    collaborators: tuple[str, ...] = ()
    sla: dict[str, Clock] = {}
    escalation_level: str | None = None
    case_id: str | None = None
    investigator: str | None = None
    notes: int = 0
    evidence: int = 0
    proposal: Proposal | None = None
    customer_notifications: int = 0
    csat: int | None = None
    nps: int | None = None
    closed_by: str | None = None
    root_cause_category: str | None = None
    reopen_count: int = 0
    event_count: int = 0
    last_event: LastEvent | None = None
