"""Dispatch's HTTP API: who owns a complaint."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated

from eventsourcing.application import AggregateNotFoundError
from fastapi import APIRouter, HTTPException, Path, status
from pydantic import BaseModel

from contracts.dispatch import AssignmentStrategy
from services.dispatch.application import DispatchApplication


class AssignmentView(BaseModel):
    complaint_id: str
    queue: str
    department: str
    agent_id: str | None
    rule_id: str
    rule_set_version: str
    strategy: AssignmentStrategy
    assigned_at: datetime


def build_router(app: DispatchApplication, *, on_saved: Callable[[], None]) -> APIRouter:
    """Routes over the dispatch application; commands that save call `on_saved`."""
    router = APIRouter(prefix="/v1/assignments", tags=["assignments"])

    @router.get(
        "/{complaint_id}", response_model=AssignmentView, summary="Who owns a complaint"
    )
    def get_assignment(complaint_id: Annotated[str, Path(max_length=128)]) -> AssignmentView:
        try:
            assignment = app.get_assignment(complaint_id)
        except AggregateNotFoundError as error:
            raise HTTPException(status.HTTP_404_NOT_FOUND, "assignment not found") from error
        return AssignmentView(
            complaint_id=assignment.complaint_id, queue=assignment.queue,
            department=assignment.department, agent_id=assignment.agent_id,
            rule_id=assignment.rule_id, rule_set_version=assignment.rule_set_version,
            strategy=assignment.strategy, assigned_at=assignment.created_on,
        )

    return router
