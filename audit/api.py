"""The auditors' read-only HTTP API: history, state as of an instant, and the bundle.

Every route needs `audit:read`. A complaint of another tenant (its events carry the tenant)
answers exactly as one no service knows. Sealed personal values stay sealed; personal values
in plaintext (audit.disclosure) are masked without `pii:read`, and with it every read is in
the personal-data access log. The bundle holds the stored events raw (the chain seals them
as they are), so a bundle with plaintext personal data needs `pii:read`, and is logged.
The chain verdicts (`/chains`, a complaint's `/chain`) hold no personal data: `audit:read`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated, TypeVar

from fastapi import APIRouter, Depends, HTTPException, Query, Response, status
from pydantic import AwareDatetime, BaseModel, Field

from audit import bundle
from audit.chains import ChainVerdict, verdicts
from audit.disclosure import disclose, read_fields
from audit.history import AuditTrail, UnknownComplaint
from audit.state import ComplaintState
from contracts.envelope import Envelope
from runtime.auth import Principal, Scope, require
from runtime.auth.masking import may_read_personal_data
from runtime.auth.pii_log import PiiAccessLog

T = TypeVar("T")
UNKNOWN = "no service stored an event about this complaint"
Auditor = Annotated[Principal, Depends(require(Scope.AUDIT_READ))]


class History(BaseModel):
    complaint_id: str
    events: list[Envelope]
    missing_services: list[str] = Field(
        [], description="Services whose event store does not exist where audit looks (notify, "
        "work): their records (deliveries, tags) are not in `events`")


def build_router(trail: Callable[[], AuditTrail], log: Callable[[], PiiAccessLog]
                 ) -> APIRouter:
    """GET routes only: nothing here can change a store (reads of personal data are logged in
    audit's own database)."""
    router = APIRouter(prefix="/v1/audit", tags=["audit"])
    one = "/complaints/{complaint_id}"

    def known(read: Callable[[], T]) -> T:
        try:
            return read()
        except UnknownComplaint as error:
            raise HTTPException(status.HTTP_404_NOT_FOUND, UNKNOWN) from error

    def of_tenant(complaint_id: str, auditor: Principal) -> list[Envelope]:
        """The complaint's history, when the complaint is of the auditor's tenant."""
        events = known(lambda: trail().history(complaint_id))
        if any(e.subject == complaint_id and e.tenant != auditor.tenant for e in events):
            raise HTTPException(status.HTTP_404_NOT_FOUND, UNKNOWN)
        return events

    @router.get(f"{one}/history", response_model=History,
                summary="Every service's published events about a complaint, in order")
    def history(complaint_id: str, auditor: Auditor) -> History:
        events = disclose(of_tenant(complaint_id, auditor), auditor,
                          complaint_id=complaint_id, log=log())
        return History(complaint_id=complaint_id, events=events,
                       missing_services=trail().missing)

    @router.get(f"{one}/state", response_model=ComplaintState,
                summary="The complaint's state folded from its events up to an instant")
    def state(
        complaint_id: str,
        auditor: Auditor,
        at: Annotated[AwareDatetime | None, Query(description="ISO 8601 with zone; default now")]
        = None,
    ) -> dict:
        of_tenant(complaint_id, auditor)
        instant = at or datetime.now(UTC)
        return known(lambda: trail().state_as_of(complaint_id, instant))

    @router.get(f"{one}/bundle", response_class=Response,
                responses={200: {"content": {"application/zip": {}}}},
                summary="A zip the auditor verifies alone: python3 audit_verify.py")
    def export(complaint_id: str, auditor: Auditor) -> Response:
        of_tenant(complaint_id, auditor)
        files = known(lambda: bundle.build(trail(), complaint_id))
        personal = read_fields(bundle.envelopes(files))
        if personal and not may_read_personal_data(auditor):
            raise HTTPException(status.HTTP_403_FORBIDDEN, {
                "detail": "the bundle holds personal data in plaintext: it needs pii:read",
                "fields": personal})
        log().record(auditor, complaint_id=complaint_id, fields=personal)
        folder = f"audit-{complaint_id}"
        return Response(
            bundle.to_zip(files, folder=folder), media_type="application/zip",
            headers={"Content-Disposition": f'attachment; filename="{folder}.zip"'},
        )

    @router.get(f"{one}/chain", response_model=list[ChainVerdict],
                summary="The hash chain of each store holding the complaint's events, verified")
    def chain(complaint_id: str, auditor: Auditor) -> list[ChainVerdict]:
        of_tenant(complaint_id, auditor)
        holding = {r.service for r in known(lambda: trail().records(complaint_id))}
        return verdicts(trail().stores, trail().missing, only=holding)

    @router.get("/chains", response_model=list[ChainVerdict],
                summary="Every service store's hash chain, verified")
    def chains(auditor: Auditor) -> list[ChainVerdict]:
        return verdicts(trail().stores, trail().missing)

    return router
