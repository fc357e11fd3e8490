"""An agent corrects the category intake decided: `POST /v1/complaints/{id}/category`.

Object-level rules as intake's GET /v1/complaints/{id}: the complaint's tenant, department and
queue against the token (404 like a missing complaint otherwise), checked before the category,
so a 422 tells nobody outside the department that the complaint exists.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Depends, status
from pydantic import BaseModel, Field

from runtime import problems
from runtime.auth import Principal, Scope, authorize_object, require
from runtime.ownership import owner_of
from runtime.request_validation import RequestBody
from services.intake.api import find
from services.intake.application import IntakeApplication
from services.intake.classification.taxonomy import Taxonomy
from services.intake.corrections import UnknownCategory, correct_category
from services.intake.domain import NotClassified

Reader = Annotated[Principal, Depends(require(Scope.COMPLAINTS_READ))]
Worker = Annotated[Principal, Depends(require(Scope.COMPLAINTS_WORK))]


class CategoryCorrection(RequestBody):
    category: str = Field(min_length=1, max_length=64,
                          description="One of the taxonomy's categories, not triage")


class CategoryChoice(BaseModel):
    id: str
    name: str


class CorrectedCategory(BaseModel):
    complaint_id: uuid.UUID
    previous_category: str
    category: str
    corrected_by: str

# Corrections the taxonomy refuses, answered as problems (runtime.problems).
ERRORS: problems.ErrorTable = {
    UnknownCategory: (status.HTTP_422_UNPROCESSABLE_CONTENT, "unknown-category"),
}


def build_router(app: IntakeApplication, *, taxonomy: Callable[[], Taxonomy],
                 on_saved: Callable[[], None]) -> APIRouter:
    """The correction route; `taxonomy` is the classifier's current one (reloaded on change)."""
    router = APIRouter(prefix="/v1", tags=["complaints"], route_class=problems.mapping(ERRORS))

    @router.get("/categories", response_model=list[CategoryChoice],
                summary="The categories an agent may set (the taxonomy's, without triage)")
    def categories(caller: Reader) -> list[CategoryChoice]:
        current = taxonomy()
        return [CategoryChoice(id=c.id, name=c.name) for c in current.spec.categories
                if c.id != current.fallback]

    @router.post(
        "/complaints/{complaint_id}/category", response_model=CorrectedCategory,
        summary="Correct the complaint's category (an agent or supervisor of its department); "
        "published as complaint.category_corrected.v1 and used as a label for retraining",
    )
    def correct(complaint_id: uuid.UUID, correction: CategoryCorrection,
                caller: Worker) -> CorrectedCategory:
        complaint = find(app, complaint_id)
        owner = owner_of(app, str(complaint.id))
        authorize_object(caller, tenant=complaint.tenant,
                         department=owner.department if owner else None,
                         queue=owner.queue if owner else None)
        previous = (complaint.understanding or {}).get("category")
        try:
            correct_category(app, complaint_id=complaint.id, category=correction.category,
                             agent_id=caller.sub, at=app.clock(), taxonomy=taxonomy())
        except NotClassified as error:  # a duplicate: it has its original's category
            raise problems.Problem(status.HTTP_409_CONFLICT,
                                   "a duplicate has no category of its own to correct",
                                   slug="duplicate-not-classified") from error
        on_saved()
        return CorrectedCategory(complaint_id=complaint.id, previous_category=previous,
                                 category=correction.category, corrected_by=caller.sub)

    return router
