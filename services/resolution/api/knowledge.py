"""The knowledge base: past resolutions most similar to a text or a complaint."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, status
from pydantic import BaseModel

from services.resolution.application import ResolutionApplication
from services.resolution.projections import Projections, knowledge_text


class SuggestionView(BaseModel):
    complaint_id: str
    score: float
    root_cause_category: str
    why_chain: list[str]
    resolution_kind: str | None
    resolution: str | None


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
    ) -> Suggestions:
        if not text and not complaint_id:
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT,
                                "give text or complaint_id")
        query = text or knowledge_text(app.get_case(complaint_id or ""))
        projections.catch_up()
        found = projections.knowledge.suggest(query, limit=limit, exclude=complaint_id)
        return Suggestions(
            indexed=len(projections.knowledge.entries),
            suggestions=[SuggestionView(**{**s.__dict__, "why_chain": list(s.why_chain)})
                         for s in found],
        )

    return router
