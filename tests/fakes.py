"""Stand-ins for what unit tests keep out: a broker that acks (or fails) sends."""

from __future__ import annotations

import asyncio


class FakeProducer:
    """Acknowledges sends, or fails them, as a broker would."""

    def __init__(self, fail: bool = False) -> None:
        self.fail = fail
        self.sent: list[tuple[str, bytes, bytes]] = []
        self.headers: list[list[tuple[str, bytes]]] = []  # of each sent message, in order

    async def send(self, topic: str, *, value: bytes, key: bytes,
                   headers: list[tuple[str, bytes]] | None = None) -> asyncio.Future:
        future = asyncio.get_running_loop().create_future()
        if self.fail:
            future.set_exception(ConnectionError("broker unreachable"))
        else:
            self.sent.append((topic, key, value))
            self.headers.append(list(headers or []))
            future.set_result(None)
        return future
