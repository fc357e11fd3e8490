"""The work service's HTTP API: lists, "about to breach", search, customer 360 and tags.

Every route needs a scope, and shows only what the caller may see (runtime.auth.objects): a
complaint of another tenant, department or queue answers the 404 of a missing one, and is never
in a list or a search. Rows hold no personal field: the customer's words and contact points are
searchable (with `pii:read`) but never shown here; intake's GET /v1/complaints/{id} shows them.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Query, status
from pydantic import BaseModel, Field

from contracts.intake import Channel, Severity
from contracts.lifecycle import ComplaintStatus, Stage
from runtime import problems
from runtime.auth import NotFound, Principal, Scope, require
from runtime.auth.dependencies import Forbidden
from runtime.auth.limits import page_size
from runtime.request_validation import RequestBody, known_query
from services.work.application import WorkApplication
from services.work.domain import SlaState
from services.work.queries import Listing, SearchTerms, WorkQueries
from services.work.query import BadCursor, Direction, Filters, SortKey, View
from services.work.tags import InvalidTag

Reader = Annotated[Principal, Depends(require(Scope.COMPLAINTS_READ))]
Worker = Annotated[Principal, Depends(require(Scope.COMPLAINTS_READ, Scope.COMPLAINTS_WORK))]
ComplaintId = Annotated[uuid.UUID, Path(description="The complaint id")]
STAGES = tuple(stage.name.lower() for stage in Stage)


class ComplaintRow(BaseModel):
    """A complaint as lists show it: no personal field."""

    complaint_id: str
    status: ComplaintStatus | None = Field(description="contracts.lifecycle, as on every service")
    stage: str | None = Field(description="The furthest stage that has spoken: "
                              + ", ".join(STAGES))
    channel: str | None
    category: str | None
    severity: str | None
    department: str | None
    queue: str | None
    agent_id: str | None = Field(description="The owner, as dispatch last assigned it")
    sla_state: SlaState
    warn_at: str | None = Field(description="The next SLA warning of a running clock")
    due_at: str | None = Field(description="The next SLA deadline of a running clock")
    received_at: str
    updated_at: str
    customer_id: str | None
    customer_tier: str | None
    external_reference: str | None
    duplicate_of: str | None
    csat: int | None
    outcome: str | None
    reopen_count: int
    tags: list[str]


class Page(BaseModel):
    items: list[ComplaintRow]
    next_cursor: str | None = Field(description="Opaque; pass it back as `cursor` for the next "
                                    "page, with the same filters; None on the last page")


class Customer360(BaseModel):
    customer_id: str | None
    customer_tier: str | None
    vip: bool
    recurrent: bool = Field(description="Another complaint of the customer (any department, any "
                            "channel) in the 90 days before this one")
    complaints_before: int = Field(description="How many: of every department")
    average_csat: float | None = Field(description="Over the complaints listed")
    complaints: list[ComplaintRow] = Field(description="The customer's other complaints the "
                                           "caller may see, newest first")


class TagRequest(RequestBody):
    tag: str = Field(min_length=1, max_length=40)


class Tags(BaseModel):
    complaint_id: str
    tags: list[str]

# The use cases' refusals, answered as problems carrying their message (runtime.problems).
ERRORS: problems.ErrorTable = {
    InvalidTag: (status.HTTP_422_UNPROCESSABLE_CONTENT, "invalid-tag"),
    BadCursor: (status.HTTP_400_BAD_REQUEST, "bad-cursor"),
}


def build_router(app: WorkApplication, queries: WorkQueries, *, max_page_size: int = 100,
                 now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> APIRouter:
    """Routes over the read model and the tags."""
    # A query parameter no route takes is a 422 naming it, not a silently wider answer.
    router = APIRouter(prefix="/v1/work", tags=["work"], dependencies=[Depends(known_query)],
                       route_class=problems.mapping(ERRORS))
    sized = page_size(default=50, maximum=max_page_size)

    @router.get("/complaints", response_model=Page,
                summary="My complaints, my queue, my department or all I may see; filtered, "
                "sorted, a page at a time (stable under inserts)")
    def complaints(
        caller: Reader,
        status_: Annotated[list[ComplaintStatus], Query(alias="status", default_factory=list)],
        stage: Annotated[list[str], Query(default_factory=list)],
        severity: Annotated[list[Severity], Query(default_factory=list)],
        category: Annotated[list[str], Query(max_length=200, default_factory=list)],
        channel: Annotated[list[Channel], Query(default_factory=list)],
        sla_state: Annotated[list[SlaState], Query(default_factory=list)],
        tag: Annotated[list[str], Query(max_length=40, default_factory=list)],
        view: View = View.ALL, due_before: datetime | None = None,
        received_from: datetime | None = None, received_to: datetime | None = None,
        sort: SortKey = SortKey.RECEIVED_AT, direction: Direction = Direction.DESC,
        cursor: Annotated[str | None, Query(max_length=2000)] = None,
        limit: int = Depends(sized),
    ) -> Page:
        unknown = [s for s in stage if s not in STAGES]
        if unknown:
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_ENTITY,
                                f"stage must be one of {', '.join(STAGES)}")
        filters = Filters(
            status=_strings(status_), stage=tuple(stage), severity=_strings(severity),
            category=tuple(category), channel=_strings(channel), sla_state=_strings(sla_state),
            tags=tuple(tag), due_before=due_before, received_from=received_from,
            received_to=received_to)
        return _page(lambda: queries.complaints(caller, view=view, filters=filters, sort=sort,
                                                direction=direction, limit=limit, cursor=cursor))

    @router.get("/about-to-breach", response_model=Page,
                summary="Open complaints whose SLA warning or breach is due within N minutes, "
                "soonest deadline first")
    def about_to_breach(caller: Reader,
                        minutes: Annotated[int, Query(ge=1, le=10_080)] = 60,
                        cursor: Annotated[str | None, Query(max_length=2000)] = None,
                        limit: int = Depends(sized)) -> Page:
        return _page(lambda: queries.about_to_breach(caller, now=now(), minutes=minutes,
                                                     limit=limit, cursor=cursor))

    @router.get("/search", response_model=Page,
                summary="Complaints by reference (id or external/order number), customer id, "
                "phone, email or words of the subject and text (Chinese or English); phone, "
                "email and words need pii:read")
    def search(caller: Reader,
               reference: Annotated[str | None, Query(min_length=1, max_length=200)] = None,
               customer_id: Annotated[str | None, Query(min_length=1, max_length=128)] = None,
               phone: Annotated[str | None, Query(min_length=1, max_length=64)] = None,
               email: Annotated[str | None, Query(min_length=1, max_length=320)] = None,
               q: Annotated[str | None, Query(min_length=1, max_length=500)] = None,
               cursor: Annotated[str | None, Query(max_length=2000)] = None,
               limit: int = Depends(sized)) -> Page:
        found = SearchTerms(reference=reference, customer_id=customer_id, phone=phone,
                            email=email, text=q)
        if not any((reference, customer_id, phone, email, q)):
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_ENTITY,
                                "give reference, customer_id, phone, email or q")
        if (phone or email or q) and not caller.has(Scope.PII_READ):
            raise Forbidden(Scope.PII_READ)  # what the customer wrote or is reached at
        return _page(lambda: queries.search(caller, found, limit=limit, cursor=cursor))

    @router.get("/complaints/{complaint_id}", response_model=ComplaintRow,
                summary="One complaint's row of the read model")
    def complaint(complaint_id: ComplaintId, caller: Reader) -> ComplaintRow:
        return ComplaintRow(**_visible(queries, caller, complaint_id))

    @router.get("/complaints/{complaint_id}/customer", response_model=Customer360,
                summary="Customer 360: the customer's other complaints (any channel) with their "
                "outcomes and CSAT, VIP tier, recurrence")
    def customer(complaint_id: ComplaintId, caller: Reader) -> Customer360:
        view = queries.customer(caller, _visible(queries, caller, complaint_id))
        rows = [ComplaintRow(**r) for r in view["complaints"]]
        return Customer360(**{**view, "complaints": rows})

    @router.post("/complaints/{complaint_id}/tags", response_model=Tags,
                 summary="Put a manual tag on a complaint (published on work.events.v1)")
    def add_tag(complaint_id: ComplaintId, request: TagRequest, caller: Worker) -> Tags:
        row = _visible(queries, caller, complaint_id)
        tags = app.tag(complaint_id=row["complaint_id"], tenant=row["tenant"],
                       tag=request.tag, actor=caller.sub)
        return Tags(complaint_id=row["complaint_id"], tags=tags)

    @router.delete("/complaints/{complaint_id}/tags/{tag}", response_model=Tags,
                   summary="Take a manual tag off a complaint (published on work.events.v1)")
    def remove_tag(complaint_id: ComplaintId, tag: Annotated[str, Path(max_length=40)],
                   caller: Worker) -> Tags:
        row = _visible(queries, caller, complaint_id)
        tags = app.untag(complaint_id=row["complaint_id"], tenant=row["tenant"], tag=tag,
                         actor=caller.sub)
        return Tags(complaint_id=row["complaint_id"], tags=tags)

    return router


def _visible(queries: WorkQueries, caller: Principal, complaint_id: uuid.UUID) -> dict[str, Any]:
    row = queries.visible(caller, str(complaint_id))
    if row is None:
        raise NotFound()
    return row


def _page(listing: Callable[[], Listing]) -> Page:
    found = listing()
    return Page(items=[ComplaintRow(**row) for row in found.rows], next_cursor=found.next_cursor)


def _strings(values: list[Any]) -> tuple[str, ...]:
    return tuple(str(v) for v in values)
