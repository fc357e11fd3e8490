"""What every resolution route shares: who calls and whether they may see the case, and domain
errors as HTTP answers in the caller's language (`Accept-Language`: zh or en)."""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from eventsourcing.application import AggregateNotFoundError
from fastapi import Depends, HTTPException, Path, Request, Response, status
from fastapi.routing import APIRoute

from runtime import problems
from runtime.auth import Principal, authorize_object, objects, require
from runtime.eventstore import IntegrityError
from runtime.ownership import owner_of
from services.resolution.application import ResolutionApplication
from services.resolution.domain import Case
from services.resolution.domain.errors import (
    DomainError,
    Invalid,
    NotAllowed,
    NotFound,
    WrongState,
)
from services.resolution.domain.feedback import SurveyExpired, SurveyRevoked
from services.resolution.domain.templates import InvalidTemplateFields
from services.resolution.evidence_store import ErasedEvidence, MissingEvidence, TamperedEvidence
from services.resolution.messages import field_problems, negotiate, translated

# The domain's refusals as problems (runtime.problems); the most specific class decides. A
# missing case is `not-found` like every 404 of an object the caller may not see.
ERRORS: problems.ErrorTable = {
    AggregateNotFoundError: (status.HTTP_404_NOT_FOUND, "not-found"),
    NotFound: (status.HTTP_404_NOT_FOUND, "not-found"),
    NotAllowed: (status.HTTP_403_FORBIDDEN, "not-allowed"),
    SurveyExpired: (status.HTTP_410_GONE, "survey-expired"),
    SurveyRevoked: (status.HTTP_410_GONE, "survey-revoked"),
    WrongState: (status.HTTP_409_CONFLICT, "wrong-state"),
    Invalid: (status.HTTP_422_UNPROCESSABLE_CONTENT, "invalid"),
    TamperedEvidence: (status.HTTP_409_CONFLICT, "evidence-tampered"),
    MissingEvidence: (status.HTTP_404_NOT_FOUND, "evidence-missing"),
    ErasedEvidence: (status.HTTP_410_GONE, "personal-data-erased"),  # erased with its customer
    IntegrityError: (status.HTTP_409_CONFLICT, "changed-meanwhile"),  # another request first
}


def domain_route(on_saved: Callable[[], None]) -> type[APIRoute]:
    """A route class answering domain errors as problems in the caller's language; commands
    wake the relay."""

    class DomainRoute(problems.documented(ERRORS)):  # type: ignore[misc]

        def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
            handler = super().get_route_handler()

            async def handle(request: Request) -> Response:
                language = negotiate(request.headers.get("accept-language"))
                try:
                    return await handler(request)
                except tuple(ERRORS) as error:
                    code, slug = problems.lookup(ERRORS, error) or (500, None)
                    raise _problem(code, _detail(error, language), slug) from error
                except HTTPException as error:
                    if not isinstance(error.detail, str):
                        raise
                    raise problems.Problem(
                        error.status_code, translated(error.detail, {}, language),
                        slug=getattr(error, "slug", None), headers=error.headers,
                        **getattr(error, "extensions", {})) from error
                finally:
                    if request.method != "GET":
                        on_saved()  # refusals are saved too

            return handle

    return DomainRoute


def _problem(code: int, detail: Any, slug: str | None) -> problems.Problem:
    if isinstance(detail, dict):  # a rule's refusal: its rule and action are extension members
        return problems.Problem(code, detail["detail"], slug=slug,
                                **{k: v for k, v in detail.items() if k != "detail"})
    return problems.Problem(code, str(detail), slug=slug)


def _detail(error: Exception, language: str) -> Any:
    if isinstance(error, AggregateNotFoundError):
        return translated("case not found", {}, language)
    if isinstance(error, NotAllowed):
        return {"rule": str(error.rule), "action": str(error.action),
                "detail": translated(error.template, error.params, language)}
    if isinstance(error, InvalidTemplateFields):
        return field_problems(error, language)
    if isinstance(error, DomainError):
        return translated(error.template, error.params, language)
    if isinstance(error, IntegrityError):
        return translated("the case changed meanwhile; read it again and retry", {}, language)
    if isinstance(error, ErasedEvidence):
        return translated("the customer's personal data has been erased", {}, language)
    if isinstance(error, TamperedEvidence):
        return translated("evidence failed its integrity check and is refused: {error}",
                          {"error": error}, language)
    return str(error)


ComplaintId = Annotated[str, Path(min_length=1, max_length=128)]


def visible_case(app: ResolutionApplication, complaint_id: str, caller: Principal) -> Case:
    """The case, or the 404 of a missing one when it is of another tenant, or of a department
    (or queue) the caller does not work in."""
    try:
        case = app.get_case(complaint_id)
    except AggregateNotFoundError as error:
        raise objects.NotFound("case") from error
    owner = owner_of(app, complaint_id)
    authorize_object(caller, tenant=case.tenant, department=owner.department if owner else None,
                     queue=case.owner_queue, what="case")
    return case


def on_case(app: ResolutionApplication, *scopes: str) -> Any:
    """A dependency (`caller: Principal = on_case(app, scope)`): the caller, once they hold
    scopes (403 first, before any lookup) and may see the case (404 otherwise)."""

    def checked(complaint_id: ComplaintId, caller: Principal = Depends(require(*scopes))  # noqa: B008
                ) -> Principal:
        visible_case(app, complaint_id, caller)
        return caller

    return Depends(checked)


_UNSAFE_IN_QUOTES = re.compile(r'[^\x20-\x7e]|["\\%;]')


def attachment(filename: str) -> str:
    """A Content-Disposition that downloads the file under its name (RFC 6266): an ASCII
    fallback with anything unsafe replaced, and the exact name UTF-8 percent-encoded."""
    fallback = _UNSAFE_IN_QUOTES.sub("_", filename).strip() or "evidence"
    exact = urllib.parse.quote(filename, safe="")
    return f'attachment; filename="{fallback}"; filename*=UTF-8\'\'{exact}'
