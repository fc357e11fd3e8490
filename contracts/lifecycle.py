"""The one lifecycle status of a complaint, derived from published events the same way by every
service, the audit trail and analytics.

Each stage of the lifecycle speaks for the complaint while it holds it: intake until dispatch
routes it, dispatch until resolution starts work on it, resolution from then on (including a
reopen, after which dispatch's new assignment does not take the complaint back to `assigned`).
So the status is the latest status set by the furthest stage that has set one. One stage's events
come in order on its topic (keyed by complaint id); across topics they may interleave in any
order, and the answer is the same.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from enum import IntEnum, StrEnum
from typing import Any

from contracts import dispatch, intake, resolution
from contracts.envelope import DomainEvent


class ComplaintStatus(StrEnum):
    RECEIVED = "received"
    DUPLICATE = "duplicate"
    QUEUED = "queued"
    ASSIGNED = "assigned"
    INVESTIGATING = "investigating"
    WAITING_ON_CUSTOMER = "waiting_on_customer"
    RESOLVED = "resolved"
    CLOSED = "closed"
    REOPENED = "reopened"
    # An imported complaint whose recorded outcome says the company is still working on it.
    IN_PROGRESS = "in_progress"


class Stage(IntEnum):
    """Who speaks for the complaint; a later stage's word wins over an earlier one's."""

    INTAKE = 1
    DISPATCH = 2
    RESOLUTION = 3


def _always(status: ComplaintStatus) -> Callable[[Any], ComplaintStatus]:
    return lambda _event: status


def _recorded_outcome(event: intake.ComplaintHistoryRecorded) -> ComplaintStatus:
    # CFPB's "Company response to consumer": only "In progress" leaves a complaint open.
    if event.company_response == "In progress":
        return ComplaintStatus.IN_PROGRESS
    return ComplaintStatus.CLOSED


def _transferred(event: dispatch.ComplaintTransferred) -> ComplaintStatus:
    return ComplaintStatus.ASSIGNED if event.to_agent_id else ComplaintStatus.QUEUED


def _assigned(event: dispatch.ComplaintAssigned) -> ComplaintStatus:
    return ComplaintStatus.ASSIGNED if event.agent_id else ComplaintStatus.QUEUED


SETS_STATUS: Mapping[type[DomainEvent], tuple[Stage, Callable[[Any], ComplaintStatus]]] = {
    intake.ComplaintReceived: (Stage.INTAKE, _always(ComplaintStatus.RECEIVED)),
    intake.ComplaintMarkedDuplicate: (Stage.INTAKE, _always(ComplaintStatus.DUPLICATE)),
    intake.ComplaintHistoryRecorded: (Stage.INTAKE, _recorded_outcome),
    dispatch.ComplaintQueued: (Stage.DISPATCH, _always(ComplaintStatus.QUEUED)),
    dispatch.ComplaintAssigned: (Stage.DISPATCH, _assigned),
    dispatch.ComplaintTransferred: (Stage.DISPATCH, _transferred),
    resolution.InvestigationStarted: (Stage.RESOLUTION, _always(ComplaintStatus.INVESTIGATING)),
    resolution.CustomerWaitStarted: (
        Stage.RESOLUTION, _always(ComplaintStatus.WAITING_ON_CUSTOMER)),
    resolution.CustomerReplied: (Stage.RESOLUTION, _always(ComplaintStatus.INVESTIGATING)),
    resolution.ResolutionExecuted: (Stage.RESOLUTION, _always(ComplaintStatus.RESOLVED)),
    resolution.ComplaintClosed: (Stage.RESOLUTION, _always(ComplaintStatus.CLOSED)),
    resolution.ComplaintReopened: (Stage.RESOLUTION, _always(ComplaintStatus.REOPENED)),
}


def status_set_by(event: DomainEvent) -> tuple[Stage, ComplaintStatus] | None:
    """The stage that speaks through this event and the status it says, None if it says none."""
    rule = SETS_STATUS.get(type(event))
    if rule is None:
        return None
    stage, status = rule
    return stage, status(event)


def current_status(by_stage: Mapping[Stage, ComplaintStatus]) -> ComplaintStatus | None:
    """The status of a complaint given the latest status each stage has set."""
    return by_stage[max(by_stage)] if by_stage else None
