"""Intake's HTTP API: file complaints one by one or in batches, track them, erase a customer."""

from __future__ import annotations

import os
import uuid
from collections.abc import Awaitable, Callable
from datetime import date, datetime
from typing import Annotated, Any

from eventsourcing.application import AggregateNotFoundError
from fastapi import APIRouter, Depends, Header, HTTPException, Path, Request, status
from pydantic import AfterValidator, BaseModel, Field, ValidationError
from starlette.concurrency import run_in_threadpool

from contracts.lifecycle import ComplaintStatus
from runtime import problems
from runtime.auth import NotFound, Personal, Principal, Scope, authorize_object, require
from runtime.auth.batches import BatchSlots, charge, max_items
from runtime.auth.pii_log import PiiAccessLog, disclose
from runtime.auth.quota import FilingQuota
from runtime.lifecycle import status_of
from runtime.ownership import owner_of
from runtime.request_validation import RequestBody
from runtime.tracking import TrackingTokens
from services.intake.application import IntakeApplication
from services.intake.channel_api import build_channel_router
from services.intake.customer_ids import normalise_customer_id
from services.intake.domain import CUSTOMER_ID, Complaint, ErasureReason, Submission
from services.intake.filing import Accepted, Filer, ToFile
from services.intake.metrics import BATCH_SIZE
from services.intake.refusals import count, field_errors, refuse

Filing = Annotated[Principal, Depends(require(Scope.COMPLAINTS_FILE))]
STATUS = "The complaint's lifecycle status, the same on every service (contracts.lifecycle)"
Reader = Annotated[Principal, Depends(require(Scope.COMPLAINTS_READ))]
Eraser = Annotated[Principal, Depends(require(Scope.CUSTOMERS_ERASE))]


class ComplaintView(BaseModel):
    """Personal fields in plaintext for `pii:read` (and logged), masked for everyone else."""

    complaint_id: uuid.UUID
    status: ComplaintStatus = Field(description=STATUS)
    channel: str
    department: str | None = Field(description="None until dispatch has routed it")
    category: str | None = Field(description="Classified on filing; None for a duplicate")
    severity: str | None = Field(description="Classified on filing; None for a duplicate")
    confidence: float | None = Field(description="How sure the category is, 0 to 1")
    duplicate_of: uuid.UUID | None = Field(description="The earlier complaint it repeats")
    customer_id: str
    customer_name: Annotated[str | None, Personal.NAME]
    customer_contact: Annotated[str | None, Personal.CONTACT]
    subject: Annotated[str, Personal.TEXT]
    text: Annotated[str, Personal.TEXT]
    personal_data_erased: bool
    received_at: str


class TrackingView(BaseModel):
    """What a customer may see with their token: no personal data, no complaint id."""

    status: ComplaintStatus = Field(description=STATUS)
    channel: str
    received_on: date
    last_updated_at: datetime
    progress_url: str = Field(description="Resolution's answer for the same token: the stage "
                              "(solution proposed too) and what the customer was told")


class BatchItem(RequestBody):
    idempotency_key: str = Field(min_length=1, max_length=128)
    submission: Submission


class BatchRequest(RequestBody):
    items: list[dict[str, Any]] = Field(
        min_length=1,
        description="Each {idempotency_key, submission}; validated one by one, so a bad item "
        "is refused alone",
    )


class ItemResult(BaseModel):
    index: int
    status: int = Field(description="202 accepted, 422 refused, 403 historical but not from a "
                        "channel adapter, 429 the customer's filing quota is used up (see errors)")
    accepted: Accepted | None = None
    errors: list[dict[str, Any]] | None = None


class BatchResult(BaseModel):
    accepted: int
    refused: int
    results: list[ItemResult]


class ErasureRequest(RequestBody):
    reason: ErasureReason


class ErasureView(BaseModel):
    customer_id: str
    recorded: bool


CustomerId = Annotated[str, Path(min_length=1, max_length=128, description=CUSTOMER_ID),
                      AfterValidator(normalise_customer_id)]


def build_router(
    app: IntakeApplication,
    *,
    on_saved: Callable[[], None],
    pii_log: PiiAccessLog,
    on_erased: Callable[[], Awaitable[Any]] | None = None,
    public_url: str,
    progress_url: str = "http://127.0.0.1:8004",
    tracking: TrackingTokens | None = None,
    quota: FilingQuota | None = None,
    max_batch_items: int = 500,
    max_concurrent_batches: int = 2,
) -> APIRouter:
    """Routes over the intake application (without `tracking`, tokens last one process).

    Complaints are filed for the caller's tenant; `quota` (per customer and day) counts new
    filings only. Receipts' links start with `public_url` (IntakeSettings.public_url); a
    tracking answer links to resolution's progress at `progress_url`.
    """
    router = APIRouter(prefix="/v1")
    tokens = tracking or TrackingTokens(os.urandom(32))
    filer = Filer(app=app, on_saved=on_saved, tokens=tokens, public_url=public_url,
                  quota=quota)
    slots = BatchSlots(max_concurrent_batches)

    @router.post(
        "/complaints", status_code=status.HTTP_202_ACCEPTED, response_model=Accepted,
        summary="File a complaint from any channel", tags=["complaints"],
    )
    def file_complaint(
        submission: Submission,
        caller: Filing,
        idempotency_key: Annotated[str | None, Header(max_length=128)] = None,
    ) -> Accepted:
        return filer.file(submission, idempotency_key, caller=caller)

    @router.post(
        "/complaints:batch", response_model=BatchResult, tags=["complaints"],
        summary="File many complaints, each with its own idempotency key and its own result",
    )
    def file_batch(batch: BatchRequest, caller: Filing, request: Request) -> BatchResult:
        # N items cost N tokens of the caller's rate limit, so the batch may not exceed the
        # burst; and a caller runs at most max_concurrent_batches at once (429 beyond).
        most = max_items(request, max_batch_items)
        if len(batch.items) > most:
            refuse([{"loc": ["body", "items"], "type": "batch_too_large",
                     "msg": f"at most {most} items per batch"}])
        with slots.hold(caller):
            charge(request, caller, items=len(batch.items))
            BATCH_SIZE.observe(len(batch.items))
            results = file_items(filer, batch.items, caller)
        accepted_count = sum(r.status == 202 for r in results)
        return BatchResult(
            accepted=accepted_count, refused=len(results) - accepted_count, results=results
        )

    @router.get(
        "/complaints/{complaint_id}", response_model=ComplaintView, tags=["complaints"],
        summary="A filed complaint: personal fields in plaintext (logged) with pii:read, "
        "masked without, [erased] once the customer is erased",
    )
    def get_complaint(complaint_id: uuid.UUID, caller: Reader) -> ComplaintView:
        complaint = find(app, complaint_id)
        owner = owner_of(app, str(complaint.id))
        authorize_object(caller, tenant=complaint.tenant,
                         department=owner.department if owner else None,
                         queue=owner.queue if owner else None)
        disclosed = app.disclose(complaint)
        view = ComplaintView(
            complaint_id=complaint.id, status=lifecycle_status(app, complaint),
            channel=complaint.channel,
            department=owner.department if owner else None,
            customer_id=complaint.customer["id"], customer_name=disclosed.customer_name,
            customer_contact=disclosed.customer_contact, subject=disclosed.subject,
            text=disclosed.text, personal_data_erased=disclosed.erased,
            received_at=complaint.received_at.isoformat(), **understanding_of(complaint),
        )
        return disclose(view, caller, complaint_id=str(complaint.id), log=pii_log)

    @router.get(
        "/track/{token}", response_model=TrackingView, tags=["customers"],
        summary="A complaint's status by the customer's tracking token (no personal data; "
        "the token is the credential, no bearer token)",
    )
    def track(token: str) -> TrackingView:
        tracked = tokens.resolve(token)
        try:
            complaint = app.get_complaint(tracked.complaint_id) if tracked else None
        except (AggregateNotFoundError, TypeError):
            complaint = None
        if tracked is None or complaint is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, "no complaint has this token")
        if tracked.expired(app.clock()):
            raise problems.Problem(status.HTTP_410_GONE, "this tracking token expired on "
                                   f"{tracked.expires_at.date().isoformat()}",
                                   slug="tracking-token-expired")
        if app.personal_data_erased(complaint):
            raise problems.Problem(status.HTTP_410_GONE, "this tracking token was revoked: the "
                                   "customer's personal data has been erased",
                                   slug="tracking-token-revoked")
        return TrackingView(
            status=lifecycle_status(app, complaint), channel=complaint.channel,
            received_on=complaint.received_at.date(), last_updated_at=complaint.modified_on,
            progress_url=f"{progress_url}/v1/progress/{token}",
        )

    @router.post(
        "/customers/{customer_id}/erasure", response_model=ErasureView, tags=["customers"],
        summary="Erase a customer of the caller's tenant for good (destroys their key)",
    )
    async def erase_customer(
        customer_id: CustomerId, request: ErasureRequest, caller: Eraser
    ) -> ErasureView:
        erasure = await run_in_threadpool(
            app.erase_customer,
            tenant=caller.tenant, customer_id=customer_id, reason=request.reason.value,
        )
        on_saved()
        if on_erased is not None:  # raw submissions (inbound_purge); a failure is a 500 to retry
            await on_erased()
        return ErasureView(customer_id=erasure.customer_id, recorded=erasure.recorded)

    router.include_router(build_channel_router(filer))
    return router


def file_items(filer: Filer, raws: list[dict[str, Any]], caller: Principal) -> list[ItemResult]:
    """Each item of a batch filed or refused alone; the admitted ones classified together and
    their saves handed to the group commit together."""
    results: dict[int, ItemResult] = {}
    items: dict[int, BatchItem] = {}
    for index, raw in enumerate(raws):
        try:
            items[index] = BatchItem.model_validate(raw)
        except ValidationError as error:
            errors = field_errors(error)
            count(errors)
            results[index] = ItemResult(index=index, status=422, errors=errors)
    outcomes = filer.file_many(
        [ToFile(item.submission, item.idempotency_key) for item in items.values()],
        caller=caller)
    for index, outcome in zip(items, outcomes, strict=True):
        results[index] = item_result(index, outcome)
    return [results[index] for index in range(len(raws))]


def item_result(index: int, outcome: Accepted | HTTPException) -> ItemResult:
    """An item's 202 with its receipt, or its refusal: the quota (429) or history (403)."""
    if isinstance(outcome, HTTPException):
        return ItemResult(index=index, status=outcome.status_code, errors=[
            {"loc": ["submission"], "msg": outcome.detail,
             "type": REFUSALS.get(outcome.status_code, "refused")}])
    return ItemResult(index=index, status=202, accepted=outcome)


REFUSALS = {status.HTTP_429_TOO_MANY_REQUESTS: "filing_quota_exceeded",
            status.HTTP_403_FORBIDDEN: "historical_not_allowed"}


def lifecycle_status(app: IntakeApplication, complaint: Complaint) -> ComplaintStatus:
    """The status every service derives from the stages' events; received until intake has
    heard its own first event back from the topic."""
    return status_of(app, str(complaint.id)) or ComplaintStatus.RECEIVED


def understanding_of(complaint: Complaint) -> dict[str, Any]:
    """How intake classified the complaint on filing; nothing but its original for a repeat."""
    understood = complaint.understanding or {}
    return {"category": understood.get("category"), "severity": understood.get("severity"),
            "confidence": understood.get("confidence"), "duplicate_of": complaint.duplicate_of}


def find(app: IntakeApplication, complaint_id: uuid.UUID) -> Complaint:
    """The complaint, or the 404 that a complaint the caller may not see gets too."""
    try:
        return app.get_complaint(complaint_id)
    except (AggregateNotFoundError, TypeError) as error:
        raise NotFound("complaint") from error
