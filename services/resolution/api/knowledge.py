"""The knowledge base: past resolutions most similar to a text or a complaint, among those of
complaints the caller may see (their tenant, their departments)."""

from __future__ import annotations

from functools import partial
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, status
from pydantic import BaseModel

from runtime.auth import Personal, Principal, Scope, may_see, redact, require
from runtime.ownership import owner_of
from services.resolution.api.common import visible_case
from services.resolution.application import ResolutionApplication
from services.resolution.projections import Projections, Suggestion, knowledge_text


class SuggestionView(BaseModel):
    complaint_id: str
    score: float
    root_cause_category: str
    why_chain: list[str]
    resolution_kind: str | None
    resolution: Annotated[str | None, Personal.TEXT]


class Suggestions(BaseModel):
    indexed: int
    suggestions: list[SuggestionView]


def build_router(
    app: ResolutionApplication, projections: Projections, *, route_class: type
) -> APIRouter:
    """GET /v1/knowledge/suggestions."""
    router = APIRouter(prefix="/v1/knowledge", tags=["knowledge"], route_class=route_class)

    @router.get("/suggestions", response_model=Suggestions,
                summary="Past resolutions most similar to a text or to a complaint's case")
    def suggestions(
        text: Annotated[str | None, Query(max_length=10_000)] = None,
        complaint_id: Annotated[str | None, Query(max_length=128)] = None,
        limit: Annotated[int, Query(ge=1, le=50)] = 5,
        caller: Principal = Depends(require(Scope.COMPLAINTS_READ)),  # noqa: B008
    ) -> Suggestions:
        if not text and not complaint_id:
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT,
                                "give text or complaint_id")
        if not text:
            case = visible_case(app, complaint_id or "", caller)
            text = knowledge_text(case, partial(app.personal.open, case))
        query = text
        projections.catch_up()
        entries = projections.knowledge.entries
        found = [s for s in projections.knowledge.suggest(query, limit=len(entries) or 1,
                                                          exclude=complaint_id)
                 if visible(s, caller)][:limit]
        return Suggestions(
            indexed=sum(1 for s in entries.values() if visible(s, caller)),
            suggestions=[redact(SuggestionView(**{**s.__dict__, "why_chain": list(s.why_chain)}),
                                caller) for s in found],
        )

    def visible(suggestion: Suggestion, caller: Principal) -> bool:
        owner = owner_of(app, suggestion.complaint_id)
        return suggestion.tenant is not None and may_see(
            caller, tenant=suggestion.tenant, department=owner.department if owner else None,
            queue=owner.queue if owner else None)

    return router
