"""Analytics' HTTP API: reports over the projection, as JSON or CSV (?format=csv or Accept)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request, status
from pydantic import BaseModel

from contracts.registry import EVENT_TYPES
from runtime.auth.dependencies import require
from runtime.auth.principal import Principal
from runtime.auth.roles import Scope
from runtime.views import view_of
from services.analytics import alerts
from services.analytics.actions import Action, CorrectiveActions, Effect, NewAction
from services.analytics.application import AnalyticsApplication
from services.analytics.rendering import (
    Report,
    ReportQuery,
    caller_tenant,
    parse_query,
    render,
    unknown_dimension,
)
from services.analytics.reports import Reports, Rows
from services.analytics.slicing import (
    CLOCK_DIMENSIONS,
    DIMENSIONS,
    Grouping,
    Slice,
    UnknownDimension,
    check_dimensions,
)
from services.analytics.store import ClickHouseStore

Analyst = Annotated[Principal, Depends(require(Scope.ANALYTICS_READ))]
# Recording an improvement is a supervisor's decision; there is no analytics write scope yet.
Manager = Annotated[Principal, Depends(require(Scope.ANALYTICS_READ, Scope.APPROVALS_DECIDE))]
From = Annotated[datetime | None, Query(alias="from", description="Received at or after (UTC)")]
To = Annotated[datetime | None, Query(description="Received before (UTC)")]
By = Annotated[list[str], Query(description=f"Group by these dimensions: {', '.join(DIMENSIONS)}")]
Interval = Annotated[Literal["day", "week", "month"] | None, Query(description="Group by period")]
Format = Annotated[Literal["json", "csv"] | None, Query(alias="format", description="Or Accept")]
FILTERS = (
    "Any other query parameter filters a dimension, e.g. `?category=billing&region=CA`"
    " (repeat it for several values); an unknown one is a 422 that lists the allowed ones."
    " Every report covers the caller's tenant only."
)


class ReceivedCount(BaseModel):
    received: int


class EventCount(BaseModel):
    type: str
    count: int


SpikeAlert = view_of(
    alerts.Alert, "SpikeAlert", module=__name__, leave_out={"tenant"},
    doc="A spike as analytics.events.v1 publishes it (SpikeDetected), with when it was seen.",
)


def complaint_query(
    request: Request, caller: Analyst, start: From = None, to: To = None,
    by: By = [], interval: Interval = None, output: Format = None,  # noqa: B006
) -> ReportQuery:
    """Filters and grouping over the caller's tenant's complaints."""
    return parse_query(request, tenant=caller.tenant, start=start, end=to, by=by,
                       interval=interval, output=output)


def clock_query(
    request: Request, caller: Analyst, start: From = None, to: To = None,
    by: By = [], interval: Interval = None, output: Format = None,  # noqa: B006
) -> ReportQuery:
    """Filters and grouping over SLA clocks: the complaint's dimensions and the clock target."""
    return parse_query(request, tenant=caller.tenant, start=start, end=to, by=by,
                       interval=interval, output=output, allowed=CLOCK_DIMENSIONS)


ComplaintQuery = Annotated[ReportQuery, Depends(complaint_query)]
ClockQuery = Annotated[ReportQuery, Depends(clock_query)]


@dataclass(frozen=True)
class GroupedReport:
    """A report over the complaint filters and grouping and nothing else: GET /<path>, named
    as its path (its OpenAPI operation id)."""

    path: str
    rows: Callable[[Reports, Slice, Grouping], Rows]
    summary: str


GROUPED_REPORTS = (
    GroupedReport("volume", Reports.volume, "Complaints received"),
    GroupedReport("response-times", Reports.response_times,
                  "First-response time and time to resolution (median, p90, hours)"),
    GroupedReport("satisfaction", Reports.satisfaction, "CSAT distribution and mean, NPS"),
    GroupedReport("rates", Reports.rates, "Closure, reopen and first-contact resolution rates"),
    GroupedReport("weekday-weekend", Reports.day_types, "Weekday versus weekend"),
    GroupedReport("timely-response", Reports.timely_response,
                  "Share answered in time (CFPB 'Timely response?'), e.g. by product"),
)


def one_dimension(name: str) -> str:
    """A dimension named by `of`, or a 422 listing the allowed ones."""
    try:
        return check_dimensions([name])[0]
    except UnknownDimension as error:
        raise unknown_dimension(error) from error


def build_router(app: AnalyticsApplication, reports: Reports) -> APIRouter:
    """Routes over the analytics application and its reports."""
    router = APIRouter(prefix="/v1/analytics", tags=["analytics"])
    get = router.get
    # Read before the report, so the report holds at least what was projected by then.
    data_as_of = Depends(app.snapshot.as_of)

    @get("/complaints/count", response_model=ReceivedCount, summary="Complaints received so far")
    def count_complaints(request: Request, caller: Analyst) -> ReceivedCount:
        # The tenant is the token's; a `tenant` parameter naming another is still a 403.
        own = caller_tenant(request, caller.tenant)
        return ReceivedCount(received=app.count_received_complaints(tenant=own))

    @get("/events/count", response_model=EventCount, summary="Events of one type so far")
    def count_events(
        request: Request, caller: Analyst,
        event_type: Annotated[str, Query(alias="type", description="e.g. complaint.assigned.v1")],
    ) -> EventCount:
        if event_type not in EVENT_TYPES:
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "unknown event type")
        own = caller_tenant(request, caller.tenant)
        return EventCount(
            type=event_type, count=app.count_events(event_type=event_type, tenant=own)
        )

    def grouped(report: GroupedReport) -> Callable[..., Any]:
        def endpoint(q: ComplaintQuery, current: datetime | None = data_as_of):
            rows = report.rows(reports, q.slice, q.grouping)
            return render(report.path, rows, q.csv, current)
        return endpoint

    for report in GROUPED_REPORTS:
        router.add_api_route(
            f"/{report.path}", grouped(report), methods=["GET"],
            name=report.path.replace("-", "_"), response_model=Report, summary=report.summary,
            description=FILTERS)

    @get("/backlog", response_model=Report, summary="Open complaints by age",
         description=FILTERS)
    def backlog(
        q: ComplaintQuery, current: datetime | None = data_as_of, as_of: datetime | None = None
    ):
        as_of = as_of or datetime.now(UTC)
        rows = reports.backlog(q.slice, q.grouping, as_of=as_of)
        return render("backlog", rows, q.csv, current)

    @get("/sla", response_model=Report, description=FILTERS + " Also by `target`.",
         summary="SLA compliance of clocks, e.g. by severity or department")
    def sla(q: ClockQuery, current: datetime | None = data_as_of):
        return render("sla", reports.sla(q.slice, q.grouping), q.csv, current)

    @get("/recurrence", response_model=Report, description=FILTERS,
         summary="Share of complaints from customers who complained in the days before")
    def recurrence(
        q: ComplaintQuery, current: datetime | None = data_as_of,
        days: Annotated[int, Query(ge=1, le=366)] = 30,
    ):
        rows = reports.recurrence(q.slice, q.grouping, days=days)
        return render("recurrence", rows, q.csv, current)

    @get("/pareto", response_model=Report, description=FILTERS,
         summary="Values of a dimension (category, root_cause...) by complaints, cumulated")
    def pareto(q: ComplaintQuery, current: datetime | None = data_as_of, of: str = "category"):
        return render("pareto", reports.pareto(q.slice, one_dimension(of)), q.csv, current)

    @get("/performance", response_model=Report, description=FILTERS,
         summary="Per department, queue or agent: load, speed, SLA, satisfaction, reopens")
    def performance(
        q: ComplaintQuery, current: datetime | None = data_as_of,
        of: Literal["department", "queue", "agent"] = "department",
    ):
        return render("performance", reports.performance(q.slice, of), q.csv, current)

    return router


def build_actions_router(actions: CorrectiveActions) -> APIRouter:
    """Routes to record corrective actions and measure their effect."""
    router = APIRouter(prefix="/v1/analytics/actions", tags=["corrective actions"])

    @router.post("", response_model=Action, status_code=status.HTTP_201_CREATED,
                 summary="Record an improvement action against a category or root cause")
    def record_action(new: NewAction, caller: Manager) -> Action:
        return actions.record(new, tenant=caller.tenant)

    @router.get("", response_model=list[Action], summary="Your tenant's recorded actions")
    def list_actions(caller: Analyst) -> list[Action]:
        return actions.list(caller.tenant)

    @router.get("/{action_id}/effect", response_model=Effect,
                summary="Complaint rate against the target before and after the action")
    def action_effect(
        action_id: uuid.UUID, caller: Analyst, days: Annotated[int, Query(ge=1, le=366)] = 30
    ) -> Effect:
        action = actions.get(action_id)
        if action is None or action.tenant != caller.tenant:  # another tenant's: no such action
            raise HTTPException(status.HTTP_404_NOT_FOUND, "no such action")
        return actions.effect(action, days=days)

    return router


def build_spikes_router(store: ClickHouseStore) -> APIRouter:
    """The spike alerts the watcher recorded, for the dashboards (they are also published)."""
    router = APIRouter(prefix="/v1/analytics", tags=["analytics"])

    @router.get("/spikes", response_model=list[SpikeAlert],
                summary="Your tenant's latest spike alerts, newest window first")
    def recent_spikes(
        request: Request, caller: Analyst, limit: Annotated[int, Query(ge=1, le=100)] = 20
    ) -> list[BaseModel]:
        own = caller_tenant(request, caller.tenant)
        return [SpikeAlert.model_validate(a, from_attributes=True)
                for a in alerts.recent(store, tenant=own, limit=limit)]

    return router
