"""What waits on the caller: approvals they may decide and tasks of theirs or their
department's, in pages behind an opaque cursor; a collaborating department's task done."""

from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime
from enum import StrEnum
from typing import Annotated

from eventsourcing.application import AggregateNotFoundError
from fastapi import APIRouter, Depends, HTTPException, Path, Query, status
from pydantic import BaseModel, Field

from runtime.auth import Principal, Scope, objects, require
from runtime.views import view_of
from services.resolution.api.common import ComplaintId
from services.resolution.application import ResolutionApplication
from services.resolution.domain.worklist import PendingApproval
from services.resolution.projections import Projections
from services.resolution.worklists import Key, approvals_waiting_for, may_work_on, tasks_of

Limit = Annotated[int, Query(ge=1, le=200)]
Cursor = Annotated[str | None, Query(max_length=512, description="next_cursor of the page before")]
TaskId = Annotated[str, Path(min_length=1, max_length=64)]


ApprovalItem = view_of(PendingApproval, "ApprovalItem", doc=None, module=__name__, fields={
    "role": (str, Field(description="The role this step needs, one the caller holds")),
    "age_seconds": (int, ...),
})


class TaskItem(BaseModel):
    complaint_id: str
    task_id: str
    kind: str = Field(description="execution (of a proposal), follow_up (回访 of a low score) "
                      "or collaboration (another department asked to help)")
    proposal_id: str | None
    title: str | None = Field(description="A collaboration's: what the department is asked")
    assignee: str | None = Field(description="None: the owning queue's, or the department's")
    due_at: datetime | None = Field(description="None: no due time (listed last)")
    overdue: bool
    department: str | None = Field(description="A collaboration's: the department asked")


class ApprovalPage(BaseModel):
    items: list[ApprovalItem]
    next_cursor: str | None


class TaskPage(BaseModel):
    items: list[TaskItem]
    next_cursor: str | None


class Assigned(StrEnum):
    ME = "me"
    DEPARTMENT = "department"


def build_router(
    app: ResolutionApplication, projections: Projections, *, route_class: type
) -> APIRouter:
    """GET /v1/approvals/waiting and GET /v1/tasks."""
    router = APIRouter(prefix="/v1", tags=["work"], route_class=route_class)

    @router.get("/approvals/waiting", response_model=ApprovalPage,
                summary="Proposals awaiting a step the caller may decide (their roles; not "
                "their own, not after approving an earlier step, not when recused), oldest "
                "first")
    def approvals(
        cursor: Cursor = None, limit: Limit = 50,
        caller: Principal = Depends(require(Scope.APPROVALS_DECIDE)),  # noqa: B008
    ) -> ApprovalPage:
        page = approvals_waiting_for(app, projections, caller, after=decode(cursor),
                                     limit=limit)
        now = app.clock()
        return ApprovalPage(items=[
            ApprovalItem(**a.__dict__, age_seconds=int((now - a.awaiting_since).total_seconds()))
            for a in page.items], next_cursor=encode(page.next_after))

    @router.get("/tasks", response_model=TaskPage,
                summary="Open execution tasks and follow-ups assigned to the caller, or of "
                "their department's cases; overdue first")
    def tasks(
        assigned: Assigned = Assigned.ME, cursor: Cursor = None, limit: Limit = 50,
        caller: Principal = Depends(require(Scope.COMPLAINTS_READ)),  # noqa: B008
    ) -> TaskPage:
        page = tasks_of(app, projections, caller, department=assigned == Assigned.DEPARTMENT,
                        after=decode(cursor), limit=limit)
        now = app.clock()
        return TaskPage(items=[
            TaskItem(**t.__dict__, overdue=t.due_at is not None and now >= t.due_at)
            for t in page.items], next_cursor=encode(page.next_after))

    @router.post("/cases/{complaint_id}/collaborations/{task_id}/completion",
                 status_code=status.HTTP_204_NO_CONTENT,
                 summary="A department asked to collaborate (or the case's owner) reports its "
                 "task done")
    def complete_collaboration(
        complaint_id: ComplaintId, task_id: TaskId,
        caller: Principal = Depends(require(Scope.COMPLAINTS_WORK)),  # noqa: B008
    ) -> None:
        _check_may_complete(app, complaint_id, task_id, caller)
        app.complete_collaboration(complaint_id=complaint_id, task_id=task_id, by=caller.sub)

    return router


def _check_may_complete(app: ResolutionApplication, complaint_id: str, task_id: str,
                        caller: Principal) -> None:
    # Anyone but the collaborating department and the owner gets a missing case's 404.
    try:
        case = app.get_case(complaint_id)
    except AggregateNotFoundError as error:
        raise objects.NotFound("case") from error
    collaboration = case.collaborations.get(task_id)
    if not may_work_on(app, case, caller, collaboration.department if collaboration else None):
        raise objects.NotFound("case")


def encode(key: Key | None) -> str | None:
    """An opaque cursor for the key a page ends at."""
    if key is None:
        return None
    return base64.urlsafe_b64encode(json.dumps(list(key)).encode()).rstrip(b"=").decode()


def decode(cursor: str | None) -> Key | None:
    """The key a cursor stands for (422 for anything that is not one of ours)."""
    if cursor is None:
        return None
    try:
        key = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, ValueError):
        key = None
    if not (isinstance(key, list) and len(key) == 3 and all(isinstance(k, str) for k in key)):
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "not a cursor of this list")
    return (key[0], key[1], key[2])
