"""The customer's progress by their tracking token (no login: the token intake issued is the key).

Resolution answers it because it holds both halves: the one lifecycle status (kept from every
stage's topic) and what the customer was told, sealed with the complaint's key.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from eventsourcing.application import AggregateNotFoundError
from fastapi import APIRouter, HTTPException, status
from pydantic import BaseModel, Field

from runtime.lifecycle import status_of
from runtime.tracking import TrackingTokens
from services.resolution.application import ResolutionApplication
from services.resolution.domain import Case
from services.resolution.domain.progress import (
    CustomerStage,
    customer_stage,
    customer_updates,
    solution_pending,
)
from services.resolution.personal import ERASED


class UpdateView(BaseModel):
    at: datetime
    kind: str = Field(description="progress_update, resolution, acknowledgement, closure")
    text: str


class OpenSurveyView(BaseModel):
    link: str
    expires_at: datetime


class ProgressView(BaseModel):
    """What the customer may see: no staff names, no internal notes, no complaint id."""

    stage: CustomerStage
    updates: list[UpdateView] = Field(description="What the customer was told, oldest first")
    survey: OpenSurveyView | None = Field(description="The survey to answer, while it is open")


def build_router(app: ResolutionApplication, tokens: TrackingTokens) -> APIRouter:
    """GET /v1/progress/{token}."""
    router = APIRouter(prefix="/v1", tags=["customers"])

    @router.get("/progress/{token}", response_model=ProgressView,
                summary="The complaint's stage and what the customer was told, by their "
                "tracking token (no bearer token)")
    def progress(token: str) -> ProgressView:
        tracked = tokens.resolve(token)
        if tracked is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, "no complaint has this token")
        if tracked.expired(app.clock()):
            raise HTTPException(status.HTTP_410_GONE, "this tracking token expired on "
                                f"{tracked.expires_at.date().isoformat()}")
        return progress_of(app, tracked.complaint_id)

    return router


def progress_of(app: ResolutionApplication, complaint_id: uuid.UUID) -> ProgressView:
    """The progress view of a complaint, its updates opened with the complaint's key."""
    status_ = status_of(app, str(complaint_id))
    try:
        case = app.repository.get(Case.create_id(str(complaint_id)))
    except AggregateNotFoundError:
        if status_ is None:  # a token of ours, but of a complaint never heard of here
            raise HTTPException(status.HTTP_404_NOT_FOUND,
                                "no complaint has this token") from None
        return ProgressView(stage=customer_stage(status_, solution_pending=False), updates=[],
                            survey=None)
    updates = [UpdateView(at=u.at, kind=u.kind, text=app.personal.open(case, u.text))
               for u in customer_updates(case)]
    if any(u.text == ERASED for u in updates):
        raise HTTPException(status.HTTP_410_GONE, "this tracking token was revoked: the "
                            "customer's personal data has been erased")
    now = app.clock()
    open_ = [s for s in case.surveys.values() if s.is_open(now)]
    survey = (OpenSurveyView(link=app.survey_link(open_[-1].survey_id),
                             expires_at=open_[-1].expires_at) if open_ else None)
    return ProgressView(stage=customer_stage(status_, solution_pending=solution_pending(case)),
                        updates=updates, survey=survey)
