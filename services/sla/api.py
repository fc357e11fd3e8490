"""The SLA service's HTTP API: a complaint's clocks and ledger, re-bases, extensions, policies."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any

import yaml
from eventsourcing.application import AggregateNotFoundError
from fastapi import APIRouter, HTTPException, Path, status
from pydantic import BaseModel, Field

from services.sla.application import SlaApplication
from services.sla.domain import ClockNotLive, ComplaintSla
from services.sla.ledger import ledger
from services.sla.recompute import ApprovalRequired, ExtensionTooLate, NoExtensionLeft

ComplaintId = Annotated[str, Path(min_length=1, max_length=128)]


class ClockView(BaseModel):
    key: str
    clock_id: str
    target: str
    regime: str | None
    severity: str
    status: str
    run: int
    policy_id: str
    policy_version: str
    calendar_id: str
    calendar_version: str
    business_time: bool
    started_at: datetime
    warn_at: datetime | None
    deadline_at: datetime | None
    allowed_seconds: float
    fired: dict[str, datetime]
    stopped_at: datetime | None
    stop_reason: str | None
    timely: bool | None = Field(description="Derived from events: None while undecided")
    summary_resolution: bool | None
    extension_step: int


class ComplaintClocks(BaseModel):
    complaint_id: str
    tenant: str
    severity: str
    category: str | None
    waiting_since: datetime | None
    clocks: list[ClockView]
    timely: dict[str, bool | None] = Field(
        description="Per regulatory regime: timely if every clock of it met its deadline"
    )


class LedgerEntryView(BaseModel):
    at: datetime
    recorded_at: datetime
    kind: str
    clock: str | None
    actor: str
    cause: str | None
    detail: dict[str, Any]
    flags: list[str]


class Ledger(BaseModel):
    complaint_id: str
    entries: list[LedgerEntryView]


class RebaseRequest(BaseModel):
    actor: str = Field(min_length=1, max_length=128)
    reason: str = Field(min_length=1, max_length=500)


class ExtensionRequest(RebaseRequest):
    clock: str = Field(description="Clock key, e.g. cn_banking.decision")
    approval_id: str | None = Field(None, max_length=128)


class PolicyView(BaseModel):
    policy_id: str
    version: str
    calendars: dict[str, str]
    known_versions: list[str]


def view(sla: ComplaintSla) -> ComplaintClocks:
    """A complaint's clocks as the API shows them."""
    regimes: dict[str, list[bool | None]] = {}
    for clock in sla.clocks.values():
        if clock.regime:
            regimes.setdefault(clock.regime, []).append(clock.timely())
    return ComplaintClocks(
        complaint_id=sla.complaint_id, tenant=sla.tenant, severity=sla.severity,
        category=sla.category, waiting_since=sla.waiting_since,
        clocks=[ClockView(
            key=c.key, clock_id=str(ComplaintSla.clock_id(sla.complaint_id, c.key)),
            target=c.target, regime=c.regime, severity=c.severity, status=c.status.value,
            run=c.run, policy_id=c.policy_id, policy_version=c.policy_version,
            calendar_id=c.calendar_id, calendar_version=c.calendar_version,
            business_time=c.business_time, started_at=c.started_at, warn_at=c.warn_at,
            deadline_at=c.deadline_at, allowed_seconds=c.allowed_us / 1e6, fired=c.fired,
            stopped_at=c.stopped_at, stop_reason=c.stop_reason, timely=c.timely(),
            summary_resolution=c.summary_resolution, extension_step=c.extension_step,
        ) for c in sla.clocks.values()],
        timely={r: (False if False in v else None if None in v else True)
                for r, v in regimes.items()},
    )


def build_router(
    app: SlaApplication, *, on_saved: Callable[[], None], reload: Callable[[], list[str]]
) -> APIRouter:
    """Routes over the SLA application; `reload` re-reads the policy and calendar files."""
    router = APIRouter(prefix="/v1")

    def found(complaint_id: str) -> ComplaintSla:
        try:
            sla = app.get_sla(complaint_id)
        except AggregateNotFoundError as error:
            raise HTTPException(status.HTTP_404_NOT_FOUND, "complaint not known to SLA") from error
        if not sla.opened:
            raise HTTPException(status.HTTP_404_NOT_FOUND, "complaint not received yet")
        return sla

    @router.get("/clocks/{complaint_id}", response_model=ComplaintClocks, tags=["clocks"],
                summary="A complaint's SLA and regulatory clocks, with derived timeliness")
    def get_clocks(complaint_id: ComplaintId) -> ComplaintClocks:
        return view(found(complaint_id))

    @router.get("/clocks/{complaint_id}/ledger", response_model=Ledger, tags=["clocks"],
                summary="Every start, pause, resume, alarm and re-base with cause and actor")
    def get_ledger(complaint_id: ComplaintId) -> Ledger:
        found(complaint_id)
        entries = ledger(app.stored_events(complaint_id))
        return Ledger(complaint_id=complaint_id, entries=[
            LedgerEntryView(**{**e.__dict__, "flags": list(e.flags)}) for e in entries
        ])

    @router.post("/clocks/{complaint_id}/rebase", response_model=ComplaintClocks,
                 tags=["clocks"], summary="Move running clocks onto the policy in force")
    def rebase(complaint_id: ComplaintId, request: RebaseRequest) -> ComplaintClocks:
        found(complaint_id)
        app.rebase(complaint_id, actor=request.actor, reason=request.reason)
        on_saved()
        return view(found(complaint_id))

    @router.post("/clocks/{complaint_id}/extensions", response_model=ComplaintClocks,
                 tags=["clocks"], summary="Extend a regulatory deadline as its rule allows")
    def extend(complaint_id: ComplaintId, request: ExtensionRequest) -> ComplaintClocks:
        found(complaint_id)
        try:
            app.extend(complaint_id, request.clock, actor=request.actor, reason=request.reason,
                       approval_id=request.approval_id)
        except (ClockNotLive, NoExtensionLeft, ExtensionTooLate) as error:
            raise HTTPException(status.HTTP_409_CONFLICT, str(error)) from error
        except ApprovalRequired as error:
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(error)) from error
        on_saved()
        return view(found(complaint_id))

    @router.get("/policies/active", response_model=PolicyView, tags=["policies"],
                summary="The policy and calendar versions new clocks start under")
    def active_policy() -> PolicyView:
        policy = app.catalog.active_policy()
        return PolicyView(
            policy_id=policy.policy_id, version=policy.version,
            calendars=dict(app.catalog.active_calendars),
            known_versions=sorted(f"{k}:{i}@{v}" for k, i, v in app.catalog.digests),
        )

    @router.post("/policies/reload", response_model=PolicyView, tags=["policies"],
                 summary="Re-read the policy and calendar files; invalid files change nothing")
    def reload_policies() -> PolicyView:
        try:
            reload()
        except (ValueError, OSError, yaml.YAMLError) as error:  # ValidationError too
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(error)) from error
        return active_policy()

    return router
