"""Intake's HTTP API: file complaints and read back what was filed."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Annotated

from eventsourcing.application import AggregateNotFoundError
from fastapi import APIRouter, Header, HTTPException, status
from pydantic import BaseModel

from services.intake.application import IntakeApplication
from services.intake.domain import Submission


class Accepted(BaseModel):
    complaint_id: uuid.UUID
    status_url: str
    created: bool


class ComplaintView(BaseModel):
    complaint_id: uuid.UUID
    status: str
    channel: str
    subject: str
    received_at: str


def build_router(app: IntakeApplication, *, tenant: str, on_saved: Callable[[], None]) -> APIRouter:
    """Routes over the intake application."""
    router = APIRouter(prefix="/v1/complaints", tags=["complaints"])

    @router.post(
        "", status_code=status.HTTP_202_ACCEPTED, response_model=Accepted,
        summary="File a complaint from any channel",
    )
    def file_complaint(
        submission: Submission,
        idempotency_key: Annotated[str | None, Header(max_length=128)] = None,
    ) -> Accepted:
        filed = app.file_complaint(submission, tenant=tenant, idempotency_key=idempotency_key)
        on_saved()
        return Accepted(
            complaint_id=filed.complaint_id,
            status_url=f"/v1/complaints/{filed.complaint_id}",
            created=filed.created,
        )

    @router.get("/{complaint_id}", response_model=ComplaintView, summary="A filed complaint")
    def get_complaint(complaint_id: uuid.UUID) -> ComplaintView:
        try:
            complaint = app.get_complaint(complaint_id)
        except (AggregateNotFoundError, TypeError) as error:
            raise HTTPException(status.HTTP_404_NOT_FOUND, "complaint not found") from error
        return ComplaintView(
            complaint_id=complaint.id, status=complaint.status, channel=complaint.channel,
            subject=complaint.subject, received_at=complaint.received_at.isoformat(),
        )

    return router
