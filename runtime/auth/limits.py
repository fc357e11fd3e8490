"""Request body size (413) and page size limits."""

# No `from __future__ import annotations`: page_size's parameter annotation uses a closure
# variable, which FastAPI could not resolve from a string.
from collections.abc import Callable
from typing import Annotated

from fastapi import Query
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from runtime import problems
from runtime.auth.metrics import RATE_LIMITED


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
        # A body without a length is read here, bounded, and handed on whole: the framework
        # would turn an error raised while it reads into a 400.
        chunks: list[bytes] = []
        size, more = 0, True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                await self.app(scope, _replay(message, receive), send)
                return
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            if size > self.max_bytes:
                await self._refuse(scope, receive, send)
                return
            more = message.get("more_body", False)
        whole = {"type": "http.request", "body": b"".join(chunks), "more_body": False}
        await self.app(scope, _replay(whole, receive), send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        RATE_LIMITED.labels(kind="body_size").inc()
        response = problems.response(
            413, f"the request body is larger than {self.max_bytes} bytes",
            instance=problems.instance(scope), headers={"Connection": "close"},
        )
        await response(scope, receive, send)


def _replay(first: Message, receive: Receive) -> Receive:
    pending = [first]

    async def replayed() -> Message:
        return pending.pop() if pending else await receive()

    return replayed


def page_size(*, default: int = 20, maximum: int = 100) -> Callable[[int], int]:
    """A dependency for a `limit` query parameter between 1 and maximum (422 outside)."""
    if not 1 <= default <= maximum:
        raise ValueError("the default page size must be between 1 and the maximum")

    def size(
        limit: Annotated[int, Query(ge=1, le=maximum, description="Page size")] = default,
    ) -> int:
        return limit

    return size
