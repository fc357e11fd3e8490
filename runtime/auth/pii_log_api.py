"""The auditors' view of the personal-data access log: GET /v1/audit/pii-access."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import AwareDatetime, BaseModel

from runtime.auth.dependencies import require
from runtime.auth.limits import page_size
from runtime.auth.pii_log import PiiAccessLog
from runtime.auth.principal import Principal
from runtime.auth.roles import Scope


class PiiReadView(BaseModel):
    id: str
    at: datetime
    subject: str
    client_id: str | None
    complaint_id: str
    fields: list[str]


class PiiReads(BaseModel):
    tenant: str
    reads: list[PiiReadView]


Filter = Annotated[str | None, Query(min_length=1, max_length=128)]


def build_router(log: PiiAccessLog) -> APIRouter:
    """Read-only: the log of the caller's tenant, for the auditor scope only."""
    router = APIRouter(prefix="/v1/audit", tags=["audit"])

    @router.get("/pii-access", response_model=PiiReads,
                summary="Who read which personal fields of which complaint, newest first")
    def pii_access(
        auditor: Annotated[Principal, Depends(require(Scope.AUDIT_READ))],
        limit: Annotated[int, Depends(page_size(default=100, maximum=1000))],
        complaint_id: Filter = None, subject: Filter = None,
        since: Annotated[AwareDatetime | None, Query(description="ISO 8601 with zone")] = None,
    ) -> PiiReads:
        reads = log.query(tenant=auditor.tenant, complaint_id=complaint_id, subject=subject,
                          since=since, limit=limit)
        return PiiReads(tenant=auditor.tenant, reads=[
            PiiReadView(id=r.id, at=r.at, subject=r.subject, client_id=r.client_id,
                        complaint_id=r.complaint_id, fields=list(r.fields)) for r in reads])

    return router
