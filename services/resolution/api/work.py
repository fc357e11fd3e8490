"""What waits on the caller: approvals they may decide and tasks of theirs or their
department's, in pages behind an opaque cursor."""

from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, status
from pydantic import BaseModel, Field

from runtime.auth import Principal, Scope, require
from services.resolution.application import ResolutionApplication
from services.resolution.projections import Projections
from services.resolution.worklists import Key, approvals_waiting_for, tasks_of

Limit = Annotated[int, Query(ge=1, le=200)]
Cursor = Annotated[str | None, Query(max_length=512, description="next_cursor of the page before")]


class ApprovalItem(BaseModel):
    complaint_id: str
    proposal_id: str
    kind: str
    amount: Decimal | None
    currency: str | None
    step: int
    role: str = Field(description="The role this step needs, one the caller holds")
    proposed_by: str
    awaiting_since: datetime
    age_seconds: int


class TaskItem(BaseModel):
    complaint_id: str
    task_id: str
    kind: str = Field(description="execution (of a proposal) or follow_up (回访 of a low score)")
    proposal_id: str | None
    title: str | None
    assignee: str | None = Field(description="None: the owning queue's")
    due_at: datetime
    overdue: bool


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
        return TaskPage(items=[TaskItem(**t.__dict__, overdue=now >= t.due_at)
                               for t in page.items], next_cursor=encode(page.next_after))

    return router


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
