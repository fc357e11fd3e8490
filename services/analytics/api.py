"""Analytics' HTTP API: counts over the projection."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, status
from pydantic import BaseModel

from contracts.registry import EVENT_TYPES
from services.analytics.application import AnalyticsApplication

Tenant = Annotated[str | None, Query(min_length=1, max_length=128, description="Only this tenant")]


class ReceivedCount(BaseModel):
    received: int


class EventCount(BaseModel):
    type: str
    count: int


def build_router(app: AnalyticsApplication) -> APIRouter:
    """Routes over the analytics application."""
    router = APIRouter(prefix="/v1/analytics", tags=["analytics"])

    @router.get(
        "/complaints/count", response_model=ReceivedCount, summary="Complaints received so far"
    )
    def count_complaints(tenant: Tenant = None) -> ReceivedCount:
        return ReceivedCount(received=app.count_received_complaints(tenant=tenant))

    @router.get("/events/count", response_model=EventCount, summary="Events of one type so far")
    def count_events(
        event_type: Annotated[str, Query(alias="type", description="e.g. complaint.assigned.v1")],
        tenant: Tenant = None,
    ) -> EventCount:
        if event_type not in EVENT_TYPES:
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "unknown event type")
        return EventCount(
            type=event_type, count=app.count_events(event_type=event_type, tenant=tenant)
        )

    return router
