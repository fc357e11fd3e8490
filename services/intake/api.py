"""Intake's HTTP API: file complaints, read back what was filed, erase a customer."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Annotated

from eventsourcing.application import AggregateNotFoundError
from fastapi import APIRouter, Header, HTTPException, Path, status
from pydantic import BaseModel

from services.intake.application import IntakeApplication
from services.intake.domain import ErasureReason, Submission


class Accepted(BaseModel):
    complaint_id: uuid.UUID
    status_url: str
    created: bool


class ComplaintView(BaseModel):
    complaint_id: uuid.UUID
    status: str
    channel: str
    customer_id: str
    customer_name: str | None
    customer_contact: str | None
    subject: str
    text: str
    personal_data_erased: bool
    received_at: str


class ErasureRequest(BaseModel):
    reason: ErasureReason


class ErasureView(BaseModel):
    customer_id: str
    recorded: bool


CustomerId = Annotated[str, Path(min_length=1, max_length=128)]


def build_router(app: IntakeApplication, *, tenant: str, on_saved: Callable[[], None]) -> APIRouter:
    """Routes over the intake application."""
    router = APIRouter(prefix="/v1")

    @router.post(
        "/complaints", status_code=status.HTTP_202_ACCEPTED, response_model=Accepted,
        summary="File a complaint from any channel", tags=["complaints"],
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

    @router.get(
        "/complaints/{complaint_id}", response_model=ComplaintView, tags=["complaints"],
        summary="A filed complaint, its personal fields in plaintext or [erased]",
    )
    def get_complaint(complaint_id: uuid.UUID) -> ComplaintView:
        try:
            complaint = app.get_complaint(complaint_id)
        except (AggregateNotFoundError, TypeError) as error:
            raise HTTPException(status.HTTP_404_NOT_FOUND, "complaint not found") from error
        disclosed = app.disclose(complaint)
        return ComplaintView(
            complaint_id=complaint.id, status=complaint.status, channel=complaint.channel,
            customer_id=complaint.customer["id"], customer_name=disclosed.customer_name,
            customer_contact=disclosed.customer_contact, subject=disclosed.subject,
            text=disclosed.text, personal_data_erased=disclosed.erased,
            received_at=complaint.received_at.isoformat(),
        )

    @router.post(
        "/customers/{customer_id}/erasure", response_model=ErasureView, tags=["customers"],
        summary="Erase a customer's personal data for good (destroys their key)",
    )
    def erase_customer(customer_id: CustomerId, request: ErasureRequest) -> ErasureView:
        erasure = app.erase_customer(
            tenant=tenant, customer_id=customer_id, reason=request.reason.value
        )
        on_saved()
        return ErasureView(customer_id=erasure.customer_id, recorded=erasure.recorded)

    return router
