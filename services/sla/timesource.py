"""Where the SLA service gets the time: the system clock, or one that tests move by hand."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from datetime import UTC, datetime, timedelta
from typing import Protocol


class TimeSource(Protocol):
    """The time the deadlines are compared with, and a way to sleep until an instant."""

    def now(self) -> datetime: ...

    async def sleep_until(
        self, instant: datetime | None, wake: asyncio.Event, max_wait_s: float
    ) -> None:
        """Return at `instant`, when `wake` is set, or after `max_wait_s` real seconds."""


class SystemClock:
    """Wall-clock time (UTC)."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    async def sleep_until(
        self, instant: datetime | None, wake: asyncio.Event, max_wait_s: float
    ) -> None:
        timeout = max_wait_s
        if instant is not None:
            timeout = min(max_wait_s, max(0.0, (instant - self.now()).total_seconds()))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(wake.wait(), timeout)


class ManualClock:
    """Time that only moves when told to (tests, and the test hook of a test deployment)."""

    def __init__(self, start: datetime) -> None:
        self._now = start
        self._lock = threading.Lock()
        self._sleepers: list[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = []

    def now(self) -> datetime:
        return self._now

    def set(self, instant: datetime) -> None:
        """Move to `instant`; time never goes back."""
        with self._lock:
            if instant < self._now:
                raise ValueError(f"time does not go back: {instant} < {self._now}")
            self._now = instant
            sleepers, self._sleepers = self._sleepers, []
        for loop, event in sleepers:
            loop.call_soon_threadsafe(event.set)

    def advance(self, delta: timedelta) -> datetime:
        """Move forward by `delta`; returns the new time."""
        self.set(self._now + delta)
        return self._now

    async def sleep_until(
        self, instant: datetime | None, wake: asyncio.Event, max_wait_s: float
    ) -> None:
        if instant is not None and instant <= self._now:
            return
        moved = asyncio.Event()
        with self._lock:
            self._sleepers.append((asyncio.get_running_loop(), moved))
        waits = [asyncio.ensure_future(e.wait()) for e in (moved, wake)]
        try:
            await asyncio.wait(waits, timeout=max_wait_s, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiting in waits:
                waiting.cancel()
