"""Resolution's HTTP API: the case of a complaint."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Annotated

from eventsourcing.application import AggregateNotFoundError
from fastapi import APIRouter, HTTPException, Path, status
from pydantic import BaseModel

from services.resolution.application import ResolutionApplication


class CaseView(BaseModel):
    complaint_id: str
    case_id: uuid.UUID
    status: str
    owner_queue: str | None
    owner_agent_id: str | None
    opened_at: datetime


def build_router(app: ResolutionApplication, *, on_saved: Callable[[], None]) -> APIRouter:
    """Routes over the resolution application; commands that save call `on_saved`."""
    router = APIRouter(prefix="/v1/cases", tags=["cases"])

    @router.get("/{complaint_id}", response_model=CaseView, summary="The case of a complaint")
    def get_case(complaint_id: Annotated[str, Path(max_length=128)]) -> CaseView:
        try:
            case = app.get_case(complaint_id)
        except AggregateNotFoundError as error:
            raise HTTPException(status.HTTP_404_NOT_FOUND, "case not found") from error
        return CaseView(
            complaint_id=case.complaint_id, case_id=case.id, status=case.status,
            owner_queue=case.owner_queue, owner_agent_id=case.owner_agent_id,
            opened_at=case.created_on,
        )

    return router
