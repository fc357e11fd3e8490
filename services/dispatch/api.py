"""Dispatch's HTTP API for complaints: who owns one, transfer it, add a collaborator.

Every route needs a scope; an assignment of another tenant, or of a department (or queue) the
caller does not work in, answers the 404 of a missing one. Who acts is the token's subject.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from eventsourcing.application import AggregateNotFoundError
from fastapi import APIRouter, Depends, HTTPException, Path, status
from pydantic import BaseModel, Field

from contracts.lifecycle import ComplaintStatus
from runtime import problems
from runtime.auth import NotFound, Principal, Scope, authorize_object, require
from runtime.lifecycle import status_of
from runtime.request_validation import RequestBody
from services.dispatch.application import DispatchApplication
from services.dispatch.domain import Assignment
from services.dispatch.handovers import AgentUnavailable, NoSuchAssignment, NotOpen, UnknownTarget


class Collaborator(BaseModel):
    department: str
    task: str
    actor: str


class AssignmentView(BaseModel):
    complaint_id: str
    status: ComplaintStatus | None = Field(
        description="The complaint's lifecycle status, the same on every service "
        "(contracts.lifecycle); None until dispatch has heard the complaint's events")
    assignment_status: str = Field(description="Dispatch's own state: queued, assigned, closed")
    queue: str | None
    department: str | None
    agent_id: str | None
    rule_id: str | None
    rule_set_version: str | None
    rule_set_hash: str | None
    strategy: str | None
    transfer_count: int
    escalation_level: str | None
    collaborators: list[Collaborator]


class TransferRequest(RequestBody):
    to_queue: str = Field(min_length=1, max_length=128)
    to_agent_id: str | None = Field(None, max_length=128)
    reason: str = Field(min_length=1, max_length=2000)


class TransferView(BaseModel):
    complaint_id: str
    outcome: str = Field(description="`transferred`; `escalated` when past the transfer cap; "
                         "for a complaint nobody held yet, no transfer: `assigned` when the "
                         "agent named or the queue's pick takes it, `queued` when it waits")
    queue: str
    department: str
    agent_id: str | None
    transfer_count: int
    reason: str


class CollaboratorRequest(RequestBody):
    department: str = Field(min_length=1, max_length=128)
    task: str = Field(min_length=1, max_length=2000)


class CollaboratorView(BaseModel):
    complaint_id: str
    department: str
    task: str
    added: bool = Field(description="False when this department was asked this task already")


ComplaintId = Annotated[str, Path(min_length=1, max_length=128)]
Reader = Annotated[Principal, Depends(require(Scope.COMPLAINTS_READ))]
Worker = Annotated[Principal, Depends(require(Scope.COMPLAINTS_WORK))]
# The use cases' refusals, answered as problems carrying their message (runtime.problems).
ERRORS: problems.ErrorTable = {
    NoSuchAssignment: (status.HTTP_404_NOT_FOUND, "not-found"),  # as any unseen object
    NotOpen: (status.HTTP_409_CONFLICT, "assignment-not-open"),
    AgentUnavailable: (status.HTTP_409_CONFLICT, "agent-unavailable"),
    UnknownTarget: (status.HTTP_422_UNPROCESSABLE_CONTENT, "unknown-target"),
}


def build_router(app: DispatchApplication, *, on_saved: Callable[[], None]) -> APIRouter:
    """Routes over the dispatch application; commands that save call `on_saved`."""
    router = APIRouter(prefix="/v1/assignments", tags=["assignments"],
                       route_class=problems.mapping(ERRORS))

    @router.get("/{complaint_id}", response_model=AssignmentView, summary="Who owns a complaint")
    def get_assignment(complaint_id: ComplaintId, caller: Reader) -> AssignmentView:
        a = visible(app, complaint_id, caller)
        return AssignmentView(
            complaint_id=a.complaint_id, status=status_of(app, complaint_id),
            assignment_status=a.status, queue=a.queue,
            department=a.department, agent_id=a.agent_id, rule_id=a.rule_id,
            rule_set_version=a.rule_set_version, rule_set_hash=a.rule_set_hash,
            strategy=a.strategy, transfer_count=a.transfer_count,
            escalation_level=a.escalation_level,
            collaborators=[Collaborator(**c) for c in a.collaborators],
        )

    @router.post(
        "/{complaint_id}/transfer", response_model=TransferView,
        summary="Transfer to another queue or agent (past the cap: to the supervisor); a "
        "complaint nobody held yet is assigned or queued there instead. complaints:assign, or "
        "complaints:work for the agent who holds it; the target queue must be in one of the "
        "caller's departments",
    )
    def transfer(
        complaint_id: ComplaintId, request: TransferRequest, caller: Worker
    ) -> TransferView:
        assignment = visible(app, complaint_id, caller)
        check_may_transfer(app, assignment, request.to_queue, caller)
        handover = app.transfer(
            complaint_id=complaint_id, to_queue=request.to_queue,
            to_agent_id=request.to_agent_id, reason=request.reason, actor=caller.sub,
        )
        on_saved()
        return TransferView(
            complaint_id=complaint_id,
            outcome=handover.outcome,
            queue=handover.queue, department=handover.department, agent_id=handover.agent_id,
            transfer_count=handover.transfer_count, reason=handover.reason,
        )

    @router.post(
        "/{complaint_id}/collaborators", response_model=CollaboratorView,
        status_code=status.HTTP_201_CREATED,
        summary="Ask another department to help, with its own task",
    )
    def add_collaborator(
        complaint_id: ComplaintId, request: CollaboratorRequest, caller: Worker
    ) -> CollaboratorView:
        visible(app, complaint_id, caller)
        added = app.add_collaborator(
            complaint_id=complaint_id, department=request.department, task=request.task,
            actor=caller.sub,
        )
        on_saved()
        return CollaboratorView(
            complaint_id=complaint_id, department=request.department, task=request.task,
            added=added,
        )

    return router


def visible(app: DispatchApplication, complaint_id: str, caller: Principal) -> Assignment:
    """The assignment, or the 404 of a missing one when the caller may not see it."""
    try:
        assignment = app.get_assignment(complaint_id)
    except AggregateNotFoundError as error:
        raise NotFound("assignment") from error
    authorize_object(caller, tenant=assignment.tenant, department=assignment.department,
                     queue=assignment.queue, what="assignment")
    return assignment


def check_may_transfer(
    app: DispatchApplication, assignment: Assignment, to_queue: str, caller: Principal
) -> None:
    """Supervisors move what they see; an agent hands over only what they hold. Both only
    into their own departments of the complaint's tenant (an unknown queue is left to the use
    case's 422)."""
    if not caller.has(Scope.COMPLAINTS_ASSIGN) and (
        assignment.owner() is None or assignment.owner() != caller.sub
    ):
        raise HTTPException(status.HTTP_403_FORBIDDEN,
                            "only the agent who holds it, or complaints:assign, may transfer")
    config = app.tenancy.get(assignment.tenant) if app.tenancy else None
    target = config.roster.queues.get(to_queue) if config else None
    if target is not None and not caller.has(Scope.ALL_DEPARTMENTS) and (
        target.department not in caller.departments
    ):
        raise HTTPException(status.HTTP_403_FORBIDDEN,
                            f"queue {to_queue!r} is not in one of your departments")
