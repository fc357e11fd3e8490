"""What every resolution route shares: the actor, and domain errors as HTTP answers."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from eventsourcing.application import AggregateNotFoundError
from fastapi import Depends, Header, HTTPException, Path, Request, Response, status
from fastapi.routing import APIRoute

from runtime.eventstore import IntegrityError
from services.resolution.domain.errors import Invalid, NotAllowed, NotFound, WrongState
from services.resolution.domain.feedback import SurveyExpired
from services.resolution.evidence_store import MissingEvidence, TamperedEvidence

# Most specific first: the first matching class decides the status.
STATUS: tuple[tuple[type[Exception], int], ...] = (
    (AggregateNotFoundError, status.HTTP_404_NOT_FOUND),
    (NotFound, status.HTTP_404_NOT_FOUND),
    (NotAllowed, status.HTTP_403_FORBIDDEN),
    (SurveyExpired, status.HTTP_410_GONE),
    (WrongState, status.HTTP_409_CONFLICT),
    (Invalid, status.HTTP_422_UNPROCESSABLE_CONTENT),
    (TamperedEvidence, status.HTTP_409_CONFLICT),
    (MissingEvidence, status.HTTP_404_NOT_FOUND),
    (IntegrityError, status.HTTP_409_CONFLICT),  # another request changed the case first
)


def domain_route(on_saved: Callable[[], None]) -> type[APIRoute]:
    """A route class answering domain errors with their status; commands wake the relay."""

    class DomainRoute(APIRoute):
        def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
            handler = super().get_route_handler()

            async def handle(request: Request) -> Response:
                try:
                    return await handler(request)
                except tuple(cls for cls, _ in STATUS) as error:
                    code = next(code for cls, code in STATUS if isinstance(error, cls))
                    raise HTTPException(code, _detail(error)) from error
                finally:
                    if request.method != "GET":
                        on_saved()  # refusals are saved too

            return handle

    return DomainRoute


def _detail(error: Exception) -> Any:
    if isinstance(error, AggregateNotFoundError):
        return "case not found"
    if isinstance(error, NotAllowed):
        return {"rule": str(error.rule), "action": str(error.action), "detail": error.detail}
    if isinstance(error, IntegrityError):
        return "the case changed meanwhile; read it again and retry"
    if isinstance(error, TamperedEvidence):
        return f"evidence failed its integrity check and is refused: {error}"
    return str(error)


def actor(
    x_actor: Annotated[str | None, Header(max_length=128, description=(
        "User id of who acts. Temporary: issue 9 (access control) replaces this header with "
        "the subject of the caller's token."
    ))] = None,
) -> str:
    """Who acts; requests without an X-Actor header are refused."""
    if x_actor is None or not x_actor.strip():
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "the X-Actor header is required")
    return x_actor.strip()


def roles(
    x_actor_roles: Annotated[str | None, Header(max_length=512, description=(
        "Comma-separated roles of the actor, e.g. team_lead,finance. Temporary: issue 9 "
        "replaces this header with the roles in the caller's token."
    ))] = None,
) -> frozenset[str]:
    """The actor's roles (empty when the header is absent)."""
    return frozenset(r.strip() for r in (x_actor_roles or "").split(",") if r.strip())


Actor = Annotated[str, Depends(actor)]
Roles = Annotated[frozenset[str], Depends(roles)]
ComplaintId = Annotated[str, Path(min_length=1, max_length=128)]
