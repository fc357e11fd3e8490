"""Dispatch's HTTP API for complaints: who owns one, transfer it, add a collaborator."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Annotated

from eventsourcing.application import AggregateNotFoundError
from fastapi import APIRouter, HTTPException, Path, status
from pydantic import BaseModel, Field

from services.dispatch.application import DispatchApplication
from services.dispatch.handovers import AgentUnavailable, NoSuchAssignment, NotOpen, UnknownTarget


class Collaborator(BaseModel):
    department: str
    task: str
    actor: str


class AssignmentView(BaseModel):
    complaint_id: str
    status: str
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


class TransferRequest(BaseModel):
    to_queue: str = Field(min_length=1, max_length=128)
    to_agent_id: str | None = Field(None, max_length=128)
    reason: str = Field(min_length=1, max_length=2000)
    actor: str = Field(min_length=1, max_length=128)


class TransferView(BaseModel):
    complaint_id: str
    outcome: str = Field(description="`transferred`, or `escalated` when past the transfer cap")
    queue: str
    department: str
    agent_id: str | None
    transfer_count: int
    reason: str


class CollaboratorRequest(BaseModel):
    department: str = Field(min_length=1, max_length=128)
    task: str = Field(min_length=1, max_length=2000)
    actor: str = Field(min_length=1, max_length=128)


class CollaboratorView(BaseModel):
    complaint_id: str
    department: str
    task: str
    added: bool = Field(description="False when this department was asked this task already")


ComplaintId = Annotated[str, Path(min_length=1, max_length=128)]
ERRORS: dict[type[Exception], int] = {
    NoSuchAssignment: status.HTTP_404_NOT_FOUND,
    NotOpen: status.HTTP_409_CONFLICT,
    AgentUnavailable: status.HTTP_409_CONFLICT,
    UnknownTarget: status.HTTP_422_UNPROCESSABLE_CONTENT,
}


def build_router(app: DispatchApplication, *, on_saved: Callable[[], None]) -> APIRouter:
    """Routes over the dispatch application; commands that save call `on_saved`."""
    router = APIRouter(prefix="/v1/assignments", tags=["assignments"])

    @router.get("/{complaint_id}", response_model=AssignmentView, summary="Who owns a complaint")
    def get_assignment(complaint_id: ComplaintId) -> AssignmentView:
        try:
            a = app.get_assignment(complaint_id)
        except AggregateNotFoundError as error:
            raise HTTPException(status.HTTP_404_NOT_FOUND, "assignment not found") from error
        return AssignmentView(
            complaint_id=a.complaint_id, status=a.status, queue=a.queue,
            department=a.department, agent_id=a.agent_id, rule_id=a.rule_id,
            rule_set_version=a.rule_set_version, rule_set_hash=a.rule_set_hash,
            strategy=a.strategy, transfer_count=a.transfer_count,
            escalation_level=a.escalation_level,
            collaborators=[Collaborator(**c) for c in a.collaborators],
        )

    @router.post(
        "/{complaint_id}/transfer", response_model=TransferView,
        summary="Transfer to another queue or agent (past the cap: to the supervisor)",
    )
    def transfer(complaint_id: ComplaintId, request: TransferRequest) -> TransferView:
        with mapped_errors():
            handover = app.transfer(
                complaint_id=complaint_id, to_queue=request.to_queue,
                to_agent_id=request.to_agent_id, reason=request.reason, actor=request.actor,
            )
        on_saved()
        return TransferView(
            complaint_id=complaint_id,
            outcome="escalated" if handover.escalated else "transferred",
            queue=handover.queue, department=handover.department, agent_id=handover.agent_id,
            transfer_count=handover.transfer_count, reason=handover.reason,
        )

    @router.post(
        "/{complaint_id}/collaborators", response_model=CollaboratorView,
        status_code=status.HTTP_201_CREATED,
        summary="Ask another department to help, with its own task",
    )
    def add_collaborator(
        complaint_id: ComplaintId, request: CollaboratorRequest
    ) -> CollaboratorView:
        with mapped_errors():
            added = app.add_collaborator(
                complaint_id=complaint_id, department=request.department, task=request.task,
                actor=request.actor,
            )
        on_saved()
        return CollaboratorView(
            complaint_id=complaint_id, department=request.department, task=request.task,
            added=added,
        )

    return router


@contextlib.contextmanager
def mapped_errors() -> Iterator[None]:
    """Turn the use cases' refusals into HTTP errors carrying their message."""
    try:
        yield
    except tuple(ERRORS) as error:
        code = next(code for kind, code in ERRORS.items() if isinstance(error, kind))
        raise HTTPException(code, str(error)) from error
