"""A blocking call in a worker thread is waited for when its caller is cancelled: the service
stopping must not close a store under a statement still running on it."""

from __future__ import annotations

import asyncio
import threading

from runtime.background import in_thread


async def test_a_cancelled_caller_waits_for_its_thread_before_stopping():
    started, release, finished = threading.Event(), threading.Event(), threading.Event()

    def write() -> str:
        started.set()
        release.wait(timeout=10)
        finished.set()
        return "written"

    caller = asyncio.create_task(in_thread(write))
    await asyncio.to_thread(started.wait, 10)
    caller.cancel()
    await asyncio.sleep(0)  # the cancellation is delivered while the thread still runs
    assert not caller.done()
    release.set()
    try:
        await caller
    except asyncio.CancelledError:
        pass
    else:
        raise AssertionError("the cancellation was swallowed")
    assert finished.is_set()  # the thread had finished before the caller stopped


async def test_the_value_and_the_error_of_the_call_come_back():
    assert await in_thread(sum, [1, 2, 3]) == 6
    try:
        await in_thread(int, "not a number")
    except ValueError as error:
        assert "not a number" in str(error)
    else:
        raise AssertionError("the error was lost")
