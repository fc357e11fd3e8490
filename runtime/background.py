"""Background tasks that live exactly as long as a block (a service's lifespan)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


@contextlib.asynccontextmanager
async def in_background(work: Coroutine[Any, Any, Any], name: str) -> AsyncIterator[asyncio.Task]:
    """Run `work` as a task during the block; cancel it and wait for it on the way out."""
    task = asyncio.create_task(work, name=name)
    try:
        yield task
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def in_thread(function: Callable[..., T], /, *args: Any) -> T:
    """`function(*args)` in a worker thread. A thread cannot be interrupted: if the caller is
    cancelled (the service stopping), this waits for the call to return before passing the
    cancellation on, so the store the call uses is never closed under it (a SQLite connection
    closed while another thread runs a statement on it crashes the process)."""
    task = asyncio.ensure_future(asyncio.to_thread(function, *args))
    try:
        return await asyncio.shield(task)
    except asyncio.CancelledError:
        with contextlib.suppress(Exception):
            await task
        raise
