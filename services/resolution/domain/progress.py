"""What the customer sees of their complaint's progress: its stage and what they were told.

The stage is the one lifecycle status (contracts.lifecycle) with one refinement only resolution
knows: a solution proposed and not yet carried out. Nothing here names staff or internal notes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from contracts.lifecycle import ComplaintStatus
from contracts.resolution import MessageKind
from services.resolution.domain.proposals import ProposalStatus


class CustomerStage(StrEnum):
    RECEIVED = "received"
    ASSIGNED = "assigned"
    INVESTIGATING = "investigating"
    WAITING_FOR_YOU = "waiting_for_you"
    SOLUTION_PROPOSED = "solution_proposed"
    RESOLVED = "resolved"
    CLOSED = "closed"
    REOPENED = "reopened"


# A queued complaint has no one on it yet: to the customer it is still received. A duplicate is
# worked as its original; an imported one still in progress is being investigated.
BY_STATUS: Mapping[ComplaintStatus, CustomerStage] = {
    ComplaintStatus.RECEIVED: CustomerStage.RECEIVED,
    ComplaintStatus.DUPLICATE: CustomerStage.RECEIVED,
    ComplaintStatus.QUEUED: CustomerStage.RECEIVED,
    ComplaintStatus.ASSIGNED: CustomerStage.ASSIGNED,
    ComplaintStatus.INVESTIGATING: CustomerStage.INVESTIGATING,
    ComplaintStatus.IN_PROGRESS: CustomerStage.INVESTIGATING,
    ComplaintStatus.WAITING_ON_CUSTOMER: CustomerStage.WAITING_FOR_YOU,
    ComplaintStatus.RESOLVED: CustomerStage.RESOLVED,
    ComplaintStatus.CLOSED: CustomerStage.CLOSED,
    ComplaintStatus.REOPENED: CustomerStage.REOPENED,
}
# The stages a proposal waiting to be carried out turns into "solution proposed".
WORKING = frozenset({CustomerStage.ASSIGNED, CustomerStage.INVESTIGATING,
                     CustomerStage.REOPENED})


def customer_stage(status: ComplaintStatus | None, *, solution_pending: bool) -> CustomerStage:
    """The customer's stage from the lifecycle status and whether a proposal (awaiting approval
    or approved) waits to be carried out."""
    stage = BY_STATUS[status] if status is not None else CustomerStage.RECEIVED
    if solution_pending and stage in WORKING:
        return CustomerStage.SOLUTION_PROPOSED
    return stage


def solution_pending(case) -> bool:
    """Whether a proposal of the case awaits approval or, approved, its execution."""
    return not case.is_closed and any(
        p.status in (ProposalStatus.PENDING_APPROVAL, ProposalStatus.APPROVED)
        for p in case.proposals.values()
    )


@dataclass(frozen=True)
class CustomerUpdate:
    at: datetime
    kind: str
    text: str  # sealed as stored: the application opens it for the customer


def customer_updates(case) -> list[CustomerUpdate]:
    """What the customer was told, in order, with their times: messages with text, not survey
    invitations (a survey is shown as itself), and never who sent them."""
    return [CustomerUpdate(n["at"], n["kind"], n["message"]) for n in case.notifications
            if n["message"] is not None and n["kind"] != MessageKind.SURVEY]
