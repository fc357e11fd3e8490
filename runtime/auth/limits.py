"""Request body size (413) and page size limits."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Query
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from runtime.auth.metrics import RATE_LIMITED


class _TooLarge(Exception):
    pass


class BodySizeLimit:
    """ASGI middleware: refuse bodies over max_bytes, by Content-Length or as they stream in."""

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_bytes):
            await self._refuse(scope, receive, send)
            return
        seen, started = 0, False

        async def counting_receive() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.max_bytes:
                raise _TooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except _TooLarge:
            if started:
                raise
            await self._refuse(scope, receive, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        RATE_LIMITED.labels(kind="body_size").inc()
        response = JSONResponse(
            {"detail": f"the request body is larger than {self.max_bytes} bytes"},
            status_code=413, headers={"Connection": "close"},
        )
        await response(scope, receive, send)


def page_size(*, default: int = 20, maximum: int = 100) -> Callable[[int], int]:
    """A dependency for a `limit` query parameter between 1 and maximum (422 outside)."""
    if not 1 <= default <= maximum:
        raise ValueError("the default page size must be between 1 and the maximum")

    def size(
        limit: Annotated[int, Query(ge=1, le=maximum, description="Page size")] = default,
    ) -> int:
        return limit

    return size
