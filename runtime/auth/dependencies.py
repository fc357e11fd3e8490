"""FastAPI dependencies: who is calling (401 if nobody provably is), may they (403), and the
only tenant their queries may touch.

    @router.get("/complaints/{complaint_id}")
    def get(complaint_id: uuid.UUID, caller: Principal = Depends(require(Scope.COMPLAINTS_READ))):

The verifier comes from `app.state.access` (runtime.auth.wiring.install); an app without it
answers 500, never an unauthenticated 200.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from runtime.auth.metrics import AUTH_REFUSALS
from runtime.auth.principal import Principal
from runtime.auth.tokens import InvalidToken, TokenVerifier

REALM = "complaint-platform"
bearer = HTTPBearer(auto_error=False, scheme_name="bearer",
                    description="An OAuth2 access token (JWT) from the platform's issuer")


class Unauthenticated(HTTPException):
    """401: no credentials, or credentials that prove nothing."""

    def __init__(self, reason: str | None = None) -> None:
        challenge = f'Bearer realm="{REALM}"'
        if reason is not None:  # RFC 6750 3.1: no error code when no credentials were sent
            challenge += f', error="invalid_token", error_description="{_quoted(reason)}"'
        AUTH_REFUSALS.labels(status="401", reason="missing" if reason is None else "invalid").inc()
        super().__init__(status.HTTP_401_UNAUTHORIZED, "not authenticated",
                         headers={"WWW-Authenticate": challenge})


class Forbidden(HTTPException):
    """403: a valid token without the scope the endpoint needs."""

    def __init__(self, scope: str) -> None:
        AUTH_REFUSALS.labels(status="403", reason="insufficient_scope").inc()
        super().__init__(
            status.HTTP_403_FORBIDDEN, f"this needs the {scope} scope",
            headers={"WWW-Authenticate":
                     f'Bearer realm="{REALM}", error="insufficient_scope", scope="{scope}"'},
        )


def verifier_of(request: Request) -> TokenVerifier:
    """The app's token verifier."""
    access = getattr(request.app.state, "access", None)
    if access is None:
        raise RuntimeError("access control is not installed on this app (runtime.auth.wiring)")
    return access.verifier


def authenticated(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Principal:
    """The caller whose bearer token verifies; 401 otherwise."""
    verifier = verifier_of(request)
    if credentials is None:
        if request.headers.get("authorization"):
            raise Unauthenticated("the Authorization header is not a Bearer token")
        raise Unauthenticated()
    try:
        return verifier.principal(credentials.credentials)
    except InvalidToken as error:
        raise Unauthenticated(str(error)) from error


def require(*scopes: str) -> Callable[[Principal], Principal]:
    """A dependency that returns the caller if they hold every one of scopes; 403 otherwise."""

    def holding(principal: Annotated[Principal, Depends(authenticated)]) -> Principal:
        for scope in scopes:
            if not principal.has(scope):
                raise Forbidden(scope)
        return principal

    return holding


def current_tenant(principal: Annotated[Principal, Depends(authenticated)]) -> str:
    """The caller's tenant: the only tenant a query of theirs may use (never the request's)."""
    return principal.tenant


CurrentTenant = Annotated[str, Depends(current_tenant)]


def _quoted(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', "'")
