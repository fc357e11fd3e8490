"""The FastAPI application of a service, with /metrics, /healthz and /readyz, and RED metrics
and an access-log line for every request (runtime.http_metrics)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable, Iterable

from fastapi import APIRouter, FastAPI, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from runtime import request_validation
from runtime.auth.wiring import AccessControl, install
from runtime.http_metrics import RequestMetrics
from runtime.service import Runtime
from runtime.settings import Settings
from runtime.tracing import TracedRequests


def create_http_app(
    runtime: Runtime,
    *,
    title: str,
    routers: Iterable[APIRouter] = (),
    extra_lifespan: Callable[[], contextlib.AbstractAsyncContextManager[None]] | None = None,
    access: AccessControl | None = None,
) -> FastAPI:
    """Compose a service's routers with the operational endpoints every service serves.

    Access control (runtime.auth) is always installed: `access`, or the one the runtime's
    settings describe (AUTH_MODE=dev by default). Routes opt in with `require(scope)`.
    """

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        async with runtime.running():
            if extra_lifespan is None:
                yield
            else:
                async with extra_lifespan():
                    yield

    api = FastAPI(title=title, lifespan=lifespan)
    request_validation.install(api)
    settings = getattr(runtime, "settings", None)
    settings = settings if isinstance(settings, Settings) else Settings()
    install(api, access or AccessControl.from_settings(settings))
    # Outermost, so refusals of the access control (401, 413, 429) are counted and logged too.
    api.add_middleware(RequestMetrics, service=settings.service)
    # Outermost of all: the access log line and every event the request stores name its trace.
    api.add_middleware(TracedRequests, service=settings.service)
    for router in routers:
        api.include_router(router)

    @api.get("/healthz", summary="Liveness: the process serves requests", tags=["operations"])
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @api.get("/readyz", summary="Readiness: dependencies answer", tags=["operations"])
    def readyz(response: Response) -> dict[str, object]:
        checks = runtime.readiness()
        ready = all(checks.values())
        response.status_code = 200 if ready else 503
        # Warnings (e.g. a calendar running out of holidays) are shown but keep it ready.
        warnings = runtime.warnings() if hasattr(runtime, "warnings") else {}
        # Roles (leader/standby of leased tasks, runtime.lease) are shown; a standby is ready.
        roles = runtime.roles() if hasattr(runtime, "roles") else {}
        return {"ready": ready, "checks": checks, **({"roles": roles} if roles else {}),
                **({"warnings": warnings} if warnings else {})}

    @api.get("/metrics", summary="Prometheus metrics", tags=["operations"])
    def metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return api
