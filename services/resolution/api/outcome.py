"""Routes of the outcome: survey (by token, without login), root cause, closure, reopening.

The customer's survey routes take no bearer token: the survey token is the credential.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Header, Path, status
from pydantic import BaseModel, Field

from contracts.intake import Channel
from runtime.auth import Principal, Scope
from runtime.request_validation import RequestBody
from services.resolution.api.common import ComplaintId, on_case
from services.resolution.application import ResolutionApplication
from services.resolution.domain.closure import MAX_DETAIL
from services.resolution.domain.feedback import token_hash
from services.resolution.messages import SURVEY_QUESTIONS, SURVEY_STATUS, negotiate

Token = Annotated[str, Path(min_length=20, max_length=128)]
SurveyId = Annotated[str, Path(min_length=1, max_length=64)]


class SurveyRequest(RequestBody):
    channel: Channel


class IssuedSurveyView(BaseModel):
    survey_id: str
    link: str = Field(description="The customer's link: its token is the key to the survey, "
                      "shown here once and never recorded nor published")
    expires_at: datetime


class RevocationRequest(RequestBody):
    reason: str = Field(min_length=1, max_length=1_000)


class SurveyView(BaseModel):
    status: str = Field(description="open, answered, revoked or expired")
    status_label: str = Field(description="The status in the customer's language")
    language: str = Field(description="The complaint's language, else the browser's: zh or en")
    expires_at: datetime
    questions: dict[str, str]


class Answer(RequestBody):
    csat: int = Field(ge=1, le=5, description="How satisfied are you, 1 (poor) to 5 (excellent)")
    nps: int | None = Field(None, ge=0, le=10, description="Would you recommend us, 0 to 10")
    comment: str | None = Field(None, max_length=2_000)


class FollowUpDoneRequest(RequestBody):
    note: str | None = Field(None, min_length=1, max_length=2_000,
                             description="What the customer said on the follow-up")


class RootCauseRequest(RequestBody):
    category: str = Field(min_length=1, max_length=64,
                          description="A code of the root-cause taxonomy (GET /v1/root-causes)")
    why_chain: list[str] = Field(min_length=1, max_length=10)
    detail: str | None = Field(None, max_length=MAX_DETAIL,
                               description="The root cause in your own words")


class CloseRequest(RequestBody):
    root_cause_category: str | None = Field(None, max_length=64, description=(
        "A code of the root-cause taxonomy; omit to use the root cause recorded before"))
    why_chain: list[str] = Field(default_factory=list, max_length=10)
    root_cause_detail: str | None = Field(None, max_length=MAX_DETAIL)
    exception_reason: str | None = Field(None, max_length=1_000, description=(
        "A documented exception: closes without an executed, notified resolution"))


class ReopenRequest(RequestBody):
    reason: str = Field(min_length=1, max_length=1_000)


def build_router(app: ResolutionApplication, *, route_class: type) -> APIRouter:
    """Routes for closing the loop with the customer."""
    router = APIRouter(prefix="/v1", route_class=route_class)
    ok = status.HTTP_204_NO_CONTENT
    worker = on_case(app, Scope.COMPLAINTS_WORK)

    @router.post("/cases/{complaint_id}/survey", status_code=201, tags=["feedback"],
                 response_model=IssuedSurveyView, summary="Send the customer a survey link")
    def issue_survey(complaint_id: ComplaintId, body: SurveyRequest,
                     who: Principal = worker) -> IssuedSurveyView:
        issued = app.issue_survey(complaint_id=complaint_id, channel=body.channel, by=who.sub)
        return IssuedSurveyView(survey_id=issued.survey_id, link=issued.link,
                                expires_at=issued.expires_at)

    @router.post("/cases/{complaint_id}/surveys/{survey_id}/revocation", status_code=ok,
                 tags=["feedback"],
                 summary="Revoke a survey's link before it is answered (e.g. sent astray)")
    def revoke_survey(complaint_id: ComplaintId, survey_id: SurveyId, body: RevocationRequest,
                      who: Principal = worker) -> None:
        app.revoke_survey(complaint_id=complaint_id, survey_id=survey_id, by=who.sub,
                          reason=body.reason)

    @router.get("/surveys/{token}", response_model=SurveyView, tags=["feedback"],
                summary="The survey behind a link (no login: the token is the key)")
    def get_survey(token: Token,
                   accept_language: Annotated[str | None, Header()] = None) -> SurveyView:
        case = app.survey_case(token)
        survey = case.survey_by_hash(token_hash(token))
        state = survey.status(app.clock())
        # The customer reads the survey in their complaint's language, else their browser's.
        language = app.language_of(case.complaint_id) or negotiate(accept_language)
        return SurveyView(
            status=state, status_label=SURVEY_STATUS[state].in_(language), language=language,
            expires_at=survey.expires_at,
            questions={key: text.in_(language) for key, text in SURVEY_QUESTIONS.items()},
        )

    @router.post("/surveys/{token}", status_code=ok, tags=["feedback"],
                 summary="Answer the survey: CSAT 1-5, NPS 0-10, comment (once, before expiry)")
    def answer_survey(token: Token, body: Answer) -> None:
        app.answer_survey(token=token, csat=body.csat, nps=body.nps, comment=body.comment)

    @router.post("/surveys/{token}/acceptance", status_code=ok, tags=["feedback"],
                 summary="After a low score, the customer accepts the outcome: the follow-up "
                 "ends and the case may close")
    def accept_outcome(token: Token) -> None:
        app.accept_outcome(token=token)

    @router.post("/cases/{complaint_id}/follow-ups/{task_id}/completion", status_code=ok,
                 tags=["feedback"],
                 summary="The follow-up (回访) of a low score is done; the case may close")
    def complete_follow_up(complaint_id: ComplaintId, task_id: SurveyId,
                           body: FollowUpDoneRequest, who: Principal = worker) -> None:
        app.complete_follow_up(complaint_id=complaint_id, task_id=task_id, by=who.sub,
                               note=body.note)

    @router.post("/cases/{complaint_id}/root-cause", status_code=ok, tags=["closure"],
                 summary="Record the root cause: a category and the why-chain")
    def root_cause(complaint_id: ComplaintId, body: RootCauseRequest,
                   who: Principal = worker) -> None:
        app.record_root_cause(complaint_id=complaint_id, category=body.category,
                              why_chain=body.why_chain, by=who.sub, detail=body.detail)

    @router.post("/cases/{complaint_id}/closure", status_code=ok, tags=["closure"],
                 summary="Close: needs an executed, notified resolution or an exception")
    def close(complaint_id: ComplaintId, body: CloseRequest, who: Principal = worker) -> None:
        app.close_case(complaint_id=complaint_id, by=who.sub, category=body.root_cause_category,
                  why_chain=body.why_chain, exception_reason=body.exception_reason,
                  detail=body.root_cause_detail)

    @router.post("/cases/{complaint_id}/reopening", status_code=ok, tags=["closure"],
                 summary="Reopen within the window when the customer disputes the outcome")
    def reopen(complaint_id: ComplaintId, body: ReopenRequest, who: Principal = worker) -> None:
        app.reopen_case(complaint_id=complaint_id, by=who.sub, reason=body.reason)

    return router
