"""The one place the console is wired together from its settings."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated

import httpx
from fastapi import FastAPI, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.middleware.base import BaseHTTPMiddleware

from runtime import logs
from runtime.http import create_http_app
from services.console import customer_pages, dashboard_pages, signin, staff_pages, work_pages
from services.console.config import ConsoleSettings
from services.console.session import Sealer, key_from
from services.console.upstream import SignedOut
from services.console.viewing import zone
from services.console.web import Console, SignInFirst, current_visit, local_path

STATIC = Path(__file__).with_name("static")
# Pages load nothing from elsewhere (no CDN); forms post only here; never framed.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data: blob:; "
    "style-src 'self'; script-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    # Tracking and survey links carry their token in the path: never leak it onward.
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}


@dataclass
class ConsoleRuntime:
    """What create_http_app runs: one HTTP client to the services, open while serving."""

    settings: ConsoleSettings
    transport: httpx.BaseTransport | None = None  # tests stand the services in
    client: httpx.Client = field(init=False)

    def __post_init__(self) -> None:
        self.client = httpx.Client(timeout=self.settings.upstream_timeout_s,
                                   transport=self.transport)

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        try:
            yield
        finally:
            self.client.close()

    def readiness(self) -> dict[str, bool]:
        return {"started": not self.client.is_closed}


class SecurityHeaders(BaseHTTPMiddleware):
    async def dispatch(self, request: Request, call_next):
        response = await call_next(request)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        if "text/html" in response.headers.get("content-type", ""):
            response.headers.setdefault("Cache-Control", "no-store")
        return response


def bootstrap(settings: ConsoleSettings,
              transport: httpx.BaseTransport | None = None) -> FastAPI:
    """The console's app: pages, static files, /healthz, /readyz, /metrics."""
    logs.configure(settings.service, settings.log_level)
    runtime = ConsoleRuntime(settings, transport)
    console = Console.build(settings, Sealer(key_from(settings.console_secret,
                                                      settings.data_dir)), runtime.client)

    routers = [module.build_router(console) for module in (
        signin, customer_pages, work_pages, staff_pages, dashboard_pages)]
    api = create_http_app(runtime, title="Complaint console", routers=routers)
    api.state.console = console
    api.add_middleware(SecurityHeaders)
    api.mount("/static", StaticFiles(directory=STATIC), name="static")

    @api.post("/prefs", summary="Choose the language and time zone (cookies)", tags=["pages"])
    def prefs(request: Request, csrf: Annotated[str, Form()] = "",
              lang: Annotated[str, Form()] = "", tz: Annotated[str, Form()] = "",
              back: Annotated[str, Form()] = "/"):
        page = current_visit(request)
        page.check_form({"csrf": csrf})
        response = page.redirect(local_path(back))
        year = 365 * 86400
        if lang in ("en", "zh"):
            response.set_cookie("lang", lang, max_age=year, samesite="lax", httponly=True)
        if tz:
            response.set_cookie("tz", zone(tz).key, max_age=year, samesite="lax")
        return response

    @api.exception_handler(SignInFirst)
    def sign_in_first(request: Request, error: SignInFirst) -> Response:
        return RedirectResponse(error.location, status_code=303)

    @api.exception_handler(SignedOut)
    def signed_out(request: Request, error: SignedOut) -> Response:
        return RedirectResponse(f"/signin?next={request.url.path}", status_code=303)

    @api.exception_handler(404)
    def not_found(request: Request, error: HTTPException) -> Response:
        return current_visit(request).render("not_found.html", status_code=404)

    @api.exception_handler(403)
    def forbidden(request: Request, error: HTTPException) -> Response:
        page = current_visit(request)
        return page.render("message.html", status_code=403, title=page.t("forbidden"),
                           text=str(error.detail))

    return api
