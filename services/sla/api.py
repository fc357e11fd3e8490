"""The SLA service's HTTP API: the deadline clocks of a complaint."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Annotated

from eventsourcing.application import AggregateNotFoundError
from fastapi import APIRouter, HTTPException, Path, status
from pydantic import BaseModel

from contracts.intake import Severity
from contracts.sla import SlaTarget
from services.sla.application import SlaApplication


class ClockView(BaseModel):
    complaint_id: str
    clock_id: uuid.UUID
    target: SlaTarget
    severity: Severity
    status: str
    policy_id: str
    policy_version: str
    calendar_id: str
    calendar_version: str
    started_at: datetime
    warn_at: datetime
    deadline_at: datetime


def build_router(app: SlaApplication, *, on_saved: Callable[[], None]) -> APIRouter:
    """Routes over the SLA application; commands that save call `on_saved`."""
    router = APIRouter(prefix="/v1/clocks", tags=["clocks"])

    @router.get("/{complaint_id}", response_model=ClockView, summary="A complaint's SLA clock")
    def get_clock(
        complaint_id: Annotated[str, Path(max_length=128)],
        target: SlaTarget = SlaTarget.RESOLUTION,
    ) -> ClockView:
        try:
            clock = app.get_clock(complaint_id, target)
        except AggregateNotFoundError as error:
            raise HTTPException(status.HTTP_404_NOT_FOUND, "clock not found") from error
        return ClockView(
            complaint_id=clock.complaint_id, clock_id=clock.id, target=clock.target,
            severity=clock.severity, status=clock.status, policy_id=clock.policy_id,
            policy_version=clock.policy_version, calendar_id=clock.calendar_id,
            calendar_version=clock.calendar_version, started_at=clock.started_at,
            warn_at=clock.warn_at, deadline_at=clock.deadline_at,
        )

    return router
