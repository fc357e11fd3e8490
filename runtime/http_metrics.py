"""RED metrics and one access-log line per HTTP request, labelled by route template.

The route label is the template FastAPI matched (`/complaints/{complaint_id}`), never the raw
path: raw paths carry ids and tokens, which would make a time series per complaint and put a
customer's tracking token in the logs. A request no route matched is labelled `unmatched`.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from prometheus_client import Counter, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

UNMATCHED = "unmatched"

REQUESTS = Counter(
    "http_requests_total", "HTTP requests answered, by route template and status",
    ["service", "method", "route", "status"],
)
DURATION = Histogram(
    "http_request_duration_seconds", "Time to answer an HTTP request, by route template",
    ["service", "method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)

log = logging.getLogger("runtime.access")


def route_of(scope: Scope) -> str:
    """The template of the route that answered, or `unmatched`."""
    route: Any = scope.get("route")
    path = getattr(route, "path", None)
    return f"{scope.get('root_path', '')}{path}" if path else UNMATCHED


class RequestMetrics:
    """ASGI middleware: counts, times and logs each HTTP request of one service."""

    def __init__(self, app: ASGIApp, *, service: str) -> None:
        self.app, self.service = app, service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # what the client gets if the app raises before it answers

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            self._record(scope, status, time.perf_counter() - started)

    def _record(self, scope: Scope, status: int, seconds: float) -> None:
        method, route = scope["method"], route_of(scope)
        REQUESTS.labels(self.service, method, route, str(status)).inc()
        DURATION.labels(self.service, method, route).observe(seconds)
        log.info("%s %s %s", method, route, status, extra={
            "http_method": method, "http_route": route, "http_status": status,
            "duration_ms": round(seconds * 1000, 1),
        })
