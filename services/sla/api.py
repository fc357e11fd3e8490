"""The SLA service's HTTP API: a complaint's clocks and ledger, re-bases, extensions, policies.

Every route needs a scope. Clocks of another tenant, or of a complaint dispatch gave to a
department the caller does not work in, answer the 404 of a missing complaint; before dispatch
has routed a complaint only tenant-wide roles see its clocks. Re-basing is configuration:
administrators (who hold no departments) re-base any complaint of their tenant. Each tenant
declared in the tenants file reads the policy its clocks start under (its own, or the
default); re-reading the files is the deployment's (its TENANT's) administrators'. Who acts is
the token's subject.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated

import yaml
from eventsourcing.application import AggregateNotFoundError
from fastapi import APIRouter, Depends, Path, status
from pydantic import BaseModel, Field

from contracts.lifecycle import ComplaintStatus
from contracts.sla import ClockOutcome
from runtime import problems
from runtime.auth import NotFound, Principal, Scope, authorize_object, require
from runtime.lifecycle import status_of
from runtime.ownership import owner_of
from runtime.request_validation import RequestBody
from runtime.views import view_of
from services.sla.application import SlaApplication
from services.sla.domain import ClockNotLive, ComplaintSla
from services.sla.ledger import Entry, ledger
from services.sla.recompute import ApprovalRequired, ExtensionTooLate, NoExtensionLeft

ComplaintId = Annotated[str, Path(min_length=1, max_length=128)]
Reader = Annotated[Principal, Depends(require(Scope.COMPLAINTS_READ))]
Approver = Annotated[Principal, Depends(require(Scope.APPROVALS_DECIDE))]
ConfigReader = Annotated[Principal, Depends(require(Scope.CONFIG_READ))]
ConfigWriter = Annotated[Principal, Depends(require(Scope.CONFIG_WRITE))]


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
    outcome: str | None = Field(
        description="met, breached or cancelled (its target stopped applying) once stopped")
    timely: bool | None = Field(
        description="Derived from events: None while undecided and for a cancelled clock")
    summary_resolution: bool | None
    extension_step: int


class ComplaintClocks(BaseModel):
    complaint_id: str
    tenant: str
    status: ComplaintStatus | None = Field(
        description="The complaint's lifecycle status, the same on every service "
        "(contracts.lifecycle); None until SLA has heard the complaint's events")
    severity: str
    category: str | None
    waiting_since: datetime | None
    clocks: list[ClockView]
    timely: dict[str, bool | None] = Field(
        description="Per regulatory regime: timely if every clock of it met its deadline "
        "(cancelled clocks left out; a regime whose clocks were all cancelled is not listed)"
    )


LedgerEntryView = view_of(Entry, "LedgerEntryView", doc=None, module=__name__)


class Ledger(BaseModel):
    complaint_id: str
    entries: list[LedgerEntryView]


class RebaseRequest(RequestBody):
    reason: str = Field(min_length=1, max_length=500)


class ExtensionRequest(RebaseRequest):
    clock: str = Field(description="Clock key, e.g. cn_banking.decision")
    approval_id: str | None = Field(None, max_length=128)


class PolicyView(BaseModel):
    policy_id: str
    version: str
    calendars: dict[str, str]
    known_versions: list[str]


def view(sla: ComplaintSla, status: ComplaintStatus | None) -> ComplaintClocks:
    """A complaint's clocks as the API shows them."""
    regimes: dict[str, list[bool | None]] = {}
    for clock in sla.clocks.values():
        if clock.regime and clock.outcome != ClockOutcome.CANCELLED:
            regimes.setdefault(clock.regime, []).append(clock.timely())
    return ComplaintClocks(
        complaint_id=sla.complaint_id, tenant=sla.tenant, status=status, severity=sla.severity,
        category=sla.category, waiting_since=sla.waiting_since,
        clocks=[ClockView(
            key=c.key, clock_id=str(ComplaintSla.clock_id(sla.complaint_id, c.key)),
            target=c.target, regime=c.regime, severity=c.severity, status=c.status.value,
            run=c.run, policy_id=c.policy_id, policy_version=c.policy_version,
            calendar_id=c.calendar_id, calendar_version=c.calendar_version,
            business_time=c.business_time, started_at=c.started_at, warn_at=c.warn_at,
            deadline_at=c.deadline_at, allowed_seconds=c.allowed_us / 1e6, fired=c.fired,
            stopped_at=c.stopped_at, stop_reason=c.stop_reason, outcome=c.outcome,
            timely=c.timely(),
            summary_resolution=c.summary_resolution, extension_step=c.extension_step,
        ) for c in sla.clocks.values()],
        timely={r: (False if False in v else None if None in v else True)
                for r, v in regimes.items()},
    )

# The use cases' refusals, answered as problems carrying their message (runtime.problems).
ERRORS: problems.ErrorTable = {
    ClockNotLive: (status.HTTP_409_CONFLICT, "clock-not-live"),
    NoExtensionLeft: (status.HTTP_409_CONFLICT, "no-extension-left"),
    ExtensionTooLate: (status.HTTP_409_CONFLICT, "extension-too-late"),
    ApprovalRequired: (status.HTTP_422_UNPROCESSABLE_CONTENT, "approval-required"),
}


def build_router(
    app: SlaApplication, *, on_saved: Callable[[], None], reload: Callable[[], list[str]],
    tenant: str = "default",
) -> APIRouter:
    """Routes over the SLA application; `reload` re-reads the policy and calendar files, which
    are `tenant`'s (the deployment's)."""
    router = APIRouter(prefix="/v1", route_class=problems.mapping(ERRORS))

    def found(complaint_id: str) -> ComplaintSla:
        try:
            sla = app.get_sla(complaint_id)
        except AggregateNotFoundError as error:
            raise NotFound("complaint") from error
        if not sla.opened:  # facts arrived before the complaint itself
            raise NotFound("complaint")
        return sla

    def visible(complaint_id: str, caller: Principal) -> ComplaintSla:
        sla = found(complaint_id)
        owner = owner_of(app, complaint_id)
        authorize_object(caller, tenant=sla.tenant,
                         department=owner.department if owner else None,
                         queue=owner.queue if owner else None)
        return sla

    def of_tenant(complaint_id: str, caller: Principal) -> ComplaintSla:
        sla = found(complaint_id)
        if sla.tenant != caller.tenant:
            raise NotFound("complaint")
        return sla

    def shown(sla: ComplaintSla) -> ComplaintClocks:
        return view(sla, status_of(app, sla.complaint_id))

    def deployments(caller: Principal) -> None:
        if caller.tenant != tenant:
            raise NotFound("policy")

    @router.get("/clocks/{complaint_id}", response_model=ComplaintClocks, tags=["clocks"],
                summary="A complaint's SLA and regulatory clocks, with derived timeliness")
    def get_clocks(complaint_id: ComplaintId, caller: Reader) -> ComplaintClocks:
        return shown(visible(complaint_id, caller))

    @router.get("/clocks/{complaint_id}/ledger", response_model=Ledger, tags=["clocks"],
                summary="Every start, pause, resume, alarm and re-base with cause and actor")
    def get_ledger(complaint_id: ComplaintId, caller: Reader) -> Ledger:
        visible(complaint_id, caller)
        entries = ledger(app.stored_events(complaint_id))
        return Ledger(complaint_id=complaint_id, entries=[
            LedgerEntryView.model_validate(e, from_attributes=True) for e in entries
        ])

    @router.post("/clocks/{complaint_id}/rebase", response_model=ComplaintClocks,
                 tags=["clocks"], summary="Move running clocks onto the policy in force")
    def rebase(
        complaint_id: ComplaintId, request: RebaseRequest, caller: ConfigWriter
    ) -> ComplaintClocks:
        of_tenant(complaint_id, caller)
        app.rebase(complaint_id, actor=caller.sub, reason=request.reason)
        on_saved()
        return shown(found(complaint_id))

    @router.post("/clocks/{complaint_id}/extensions", response_model=ComplaintClocks,
                 tags=["clocks"], summary="Extend a regulatory deadline as its rule allows")
    def extend(
        complaint_id: ComplaintId, request: ExtensionRequest, caller: Approver
    ) -> ComplaintClocks:
        visible(complaint_id, caller)
        app.extend(complaint_id, request.clock, actor=caller.sub, reason=request.reason,
                   approval_id=request.approval_id)
        on_saved()
        return shown(found(complaint_id))

    @router.get("/policies/active", response_model=PolicyView, tags=["policies"],
                summary="The policy and calendar versions new clocks of the caller's tenant "
                "start under")
    def active_policy(caller: ConfigReader) -> PolicyView:
        if caller.tenant != tenant and app.catalog.tenants.profile(caller.tenant) is None:
            raise NotFound("policy")  # a tenant the files do not know has no policy here
        return policy_view(caller.tenant)

    def policy_view(of: str = tenant) -> PolicyView:
        policy = app.catalog.active_policy(of)
        return PolicyView(
            policy_id=policy.policy_id, version=policy.version,
            calendars=dict(app.catalog.active_calendars),
            known_versions=sorted(f"{k}:{i}@{v}" for k, i, v in app.catalog.digests),
        )

    @router.post("/policies/reload", response_model=PolicyView, tags=["policies"],
                 summary="Re-read the policy and calendar files; invalid files change nothing")
    def reload_policies(caller: ConfigWriter) -> PolicyView:
        deployments(caller)
        try:
            reload()
        except (ValueError, OSError, yaml.YAMLError) as error:  # ValidationError too
            raise problems.Problem(status.HTTP_422_UNPROCESSABLE_CONTENT, str(error),
                                   slug="invalid-rule-file") from error
        return policy_view()

    return router
