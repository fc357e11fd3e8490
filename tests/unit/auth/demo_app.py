"""A small complaint API wired the way every service must be: scopes on each route, the
caller's tenant for every query, object checks that answer 404, masked personal fields and
the PII access log. The attack and fuzz tests fire at it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, status
from pydantic import BaseModel, ConfigDict, Field

from runtime import request_validation
from runtime.auth import (
    CurrentTenant,
    NotFound,
    Personal,
    Principal,
    Scope,
    authorize_object,
    may_see,
    pii_log_api,
    redact,
    require,
)
from runtime.auth.db import SqliteDatabase
from runtime.auth.issuer import DEV_AUDIENCE, DevIssuer
from runtime.auth.keys import JwksKeys
from runtime.auth.limits import page_size
from runtime.auth.pii_log import PiiAccessLog, disclose
from runtime.auth.quota import FilingQuota
from runtime.auth.ratelimit import TokenBucket
from runtime.auth.tokens import TokenVerifier
from runtime.auth.wiring import AccessControl, install
from runtime.settings import DEV_ISSUER

Text = Annotated[str, Field(min_length=1, max_length=2000)]
Name = Annotated[str, Field(min_length=1, max_length=64)]


class Customer(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: Name
    name: Annotated[str, Field(min_length=1, max_length=100)]
    phone: Annotated[str, Field(pattern=r"^\+?[0-9 -]{5,20}$")]
    email: Annotated[str, Field(pattern=r"^[^@\s]{1,64}@[^@\s]{1,100}$")]


class Filing(BaseModel):
    # No tenant, status, owner or amount: what the caller may not set is not in the model.
    model_config = ConfigDict(extra="forbid")
    department: Name
    subject: Annotated[str, Field(min_length=1, max_length=200)]
    text: Text
    customer: Customer


class Filed(BaseModel):
    complaint_id: uuid.UUID


class ComplaintView(BaseModel):
    complaint_id: uuid.UUID
    department: str
    queue: str
    status: str
    notes: int
    customer_id: str
    customer_name: Annotated[str, Personal.NAME]
    customer_phone: Annotated[str, Personal.PHONE]
    customer_email: Annotated[str, Personal.EMAIL]
    text: Annotated[str, Personal.TEXT]


class Note(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: Text


class Reassignment(BaseModel):
    model_config = ConfigDict(extra="forbid")
    department: Name


class Decision(BaseModel):
    model_config = ConfigDict(extra="forbid")
    approve: bool


class Count(BaseModel):
    tenant: str
    complaints: int


@dataclass
class Complaint:
    id: uuid.UUID
    tenant: str
    department: str
    queue: str
    customer: Customer
    text: str
    status: str = "open"
    notes: list[str] = field(default_factory=list)


@dataclass
class Store:
    complaints: dict[uuid.UUID, Complaint] = field(default_factory=dict)
    changes: int = 0

    def file(self, tenant: str, filing: Filing) -> Complaint:
        complaint = Complaint(id=uuid.uuid4(), tenant=tenant, department=filing.department,
                              queue=f"{filing.department}-1", customer=filing.customer,
                              text=filing.text)
        self.complaints[complaint.id] = complaint
        self.changes += 1
        return complaint


def view_of(complaint: Complaint) -> ComplaintView:
    return ComplaintView(
        complaint_id=complaint.id, department=complaint.department, queue=complaint.queue,
        status=complaint.status, notes=len(complaint.notes), customer_id=complaint.customer.id,
        customer_name=complaint.customer.name, customer_phone=complaint.customer.phone,
        customer_email=complaint.customer.email, text=complaint.text,
    )


def build_router(store: Store, log: PiiAccessLog, quota: FilingQuota) -> APIRouter:
    router = APIRouter(prefix="/v1")

    def visible(complaint_id: uuid.UUID, caller: Principal) -> Complaint:
        complaint = store.complaints.get(complaint_id)
        if complaint is None:
            raise NotFound("complaint")
        authorize_object(caller, tenant=complaint.tenant, department=complaint.department,
                         queue=complaint.queue)
        return complaint

    @router.post("/complaints", status_code=status.HTTP_201_CREATED, response_model=Filed)
    def file(filing: Filing, tenant: CurrentTenant,
             _: Annotated[Principal, Depends(require(Scope.COMPLAINTS_FILE))]) -> Filed:
        quota.consume(tenant=tenant, customer_id=filing.customer.id)
        return Filed(complaint_id=store.file(tenant, filing).id)

    @router.get("/complaints", response_model=list[ComplaintView])
    def list_complaints(
        caller: Annotated[Principal, Depends(require(Scope.COMPLAINTS_READ))],
        limit: Annotated[int, Depends(page_size(default=20, maximum=100))],
    ) -> list[ComplaintView]:
        mine = [c for c in store.complaints.values() if may_see(
            caller, tenant=c.tenant, department=c.department, queue=c.queue)]
        return [redact(view_of(c), caller) for c in mine[:limit]]

    @router.get("/complaints/{complaint_id}", response_model=ComplaintView)
    def get(complaint_id: uuid.UUID,
            caller: Annotated[Principal, Depends(require(Scope.COMPLAINTS_READ))]
            ) -> ComplaintView:
        complaint = visible(complaint_id, caller)
        return disclose(view_of(complaint), caller, complaint_id=str(complaint.id), log=log)

    @router.post("/complaints/{complaint_id}/notes", response_model=ComplaintView)
    def add_note(complaint_id: uuid.UUID, note: Note,
                 caller: Annotated[Principal, Depends(require(Scope.COMPLAINTS_WORK))]
                 ) -> ComplaintView:
        complaint = visible(complaint_id, caller)
        complaint.notes.append(note.text)
        store.changes += 1
        return redact(view_of(complaint), caller)

    @router.post("/complaints/{complaint_id}/reassignment", response_model=ComplaintView)
    def reassign(complaint_id: uuid.UUID, to: Reassignment,
                 caller: Annotated[Principal, Depends(require(Scope.COMPLAINTS_ASSIGN))]
                 ) -> ComplaintView:
        complaint = visible(complaint_id, caller)
        complaint.department, complaint.queue = to.department, f"{to.department}-1"
        store.changes += 1
        return redact(view_of(complaint), caller)

    @router.post("/complaints/{complaint_id}/approval", response_model=ComplaintView)
    def decide(complaint_id: uuid.UUID, decision: Decision,
               caller: Annotated[Principal, Depends(require(Scope.APPROVALS_DECIDE))]
               ) -> ComplaintView:
        complaint = visible(complaint_id, caller)
        complaint.status = "approved" if decision.approve else "rejected"
        store.changes += 1
        return redact(view_of(complaint), caller)

    @router.get("/analytics/count", response_model=Count)
    def count(tenant: CurrentTenant,
              _: Annotated[Principal, Depends(require(Scope.ANALYTICS_READ))]) -> Count:
        return Count(tenant=tenant, complaints=sum(
            1 for c in store.complaints.values() if c.tenant == tenant))

    return router


@dataclass
class Demo:
    app: FastAPI
    issuer: DevIssuer
    store: Store
    log: PiiAccessLog


def build_demo(directory: Path, *, rate_per_s: float = 0, burst: int = 1,
               quota_per_day: int = 1000, max_body_bytes: int = 64 * 1024) -> Demo:
    """The demo app with its own dev issuer, store, access log and quota in directory."""
    issuer = DevIssuer(directory / "auth")
    verifier = TokenVerifier(keys=JwksKeys(str(issuer.jwks_path)), issuer=DEV_ISSUER,
                             audience=DEV_AUDIENCE)
    db = SqliteDatabase(str(directory / "demo.sqlite"))
    log, store = PiiAccessLog(db), Store()
    app = FastAPI(title="Access control demo")
    request_validation.install(app)  # as runtime.http does for every service
    bucket = TokenBucket(rate_per_s=rate_per_s, burst=burst) if rate_per_s > 0 else None
    install(app, AccessControl(verifier=verifier, max_body_bytes=max_body_bytes, bucket=bucket))
    app.include_router(build_router(store, log, FilingQuota(db, per_day=quota_per_day)))
    app.include_router(pii_log_api.build_router(log))
    return Demo(app=app, issuer=issuer, store=store, log=log)
