"""Group commit: the saves of concurrent requests, committed in one transaction.

A request thread hands its save work (load, decide, save) to `GroupCommit.run` and waits. The
first thread to arrive while no commit is running leads: it waits a moment (`linger_s`) for
others, takes every piece of work waiting (at most `most`), and runs them in one transaction of
the event store (runtime.batch_commit), each in its own savepoint, so a piece that raises (a
duplicate, a refusal, a conflicting save) is undone and answered alone while the others are
kept. Work arriving while a commit runs waits for the next one, led by the first of it.

Every request is answered only after the commit its work was in: `run` returns (and the
caller's 202 is sent) once the transaction is durable, or raises the commit's error if it
failed, and then nothing of the group was stored. So nothing acknowledged can be lost to a
crash between the save and the commit, and no crash test is needed beyond the store's own.

Each piece runs in the leading thread with the contextvars of the request that gave it (logs
and traces keep their request's fields).
"""

from __future__ import annotations

import contextlib
import contextvars
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

T = TypeVar("T")


class Batches(Protocol):
    """What runs saves in one transaction, each part in a savepoint (a ServiceApplication)."""

    def batch(self) -> contextlib.AbstractContextManager[None]: ...

    def savepoint(self) -> contextlib.AbstractContextManager[None]: ...


@dataclass(eq=False)
class _Work:
    run: Callable[[], Any]
    context: contextvars.Context
    wake: threading.Event = field(default_factory=threading.Event)
    leads: bool = False
    finished: bool = False
    value: Any = None
    error: BaseException | None = None


class GroupCommit:
    """Coalesces the save work of concurrent threads into shared transactions."""

    def __init__(self, store: Batches, *, most: int = 64, linger_s: float = 0.002,
                 on_commit: Callable[[int], None] = lambda size: None) -> None:
        if most < 1:
            raise ValueError(f"most must be at least 1, not {most}")
        self._store = store
        self._most = most
        self._linger_s = linger_s
        self._on_commit = on_commit  # the group's size, after each commit (a metric)
        self._lock = threading.Lock()
        self._waiting: list[_Work] = []
        self._busy = False

    @property
    def waiting(self) -> int:
        """How many pieces of work wait for a commit to begin (a gauge)."""
        with self._lock:
            return len(self._waiting)

    def run(self, work: Callable[[], T]) -> T:
        """Run `work` in the next group's transaction; its result once that has committed."""
        (mine,) = self._submit([work])
        if mine.error is not None:
            raise mine.error
        return mine.value

    def run_all(self, works: Sequence[Callable[[], Any]]) -> list[tuple[Any, BaseException | None]]:
        """run() of each of one caller's works (a batch request's items), handed over together:
        they share transactions (up to `most` each) instead of taking one each in turn. Each
        one's (result, None) or (None, the error it raised), once its transaction committed."""
        return [(work.value, work.error) for work in self._submit(works)]

    def _submit(self, works: Sequence[Callable[[], Any]]) -> list[_Work]:
        mine = [_Work(work, contextvars.copy_context()) for work in works]
        if not mine:
            return mine
        with self._lock:
            self._waiting.extend(mine)
            mine[0].leads = not self._busy
            self._busy = True
        for work in mine:
            if not work.leads and not work.finished:
                work.wake.wait()  # finished by a leader, or made the next leader
            if not work.finished:
                self._lead()
        return mine

    def _lead(self) -> None:
        try:
            if self._linger_s > 0:
                time.sleep(self._linger_s)
            with self._lock:
                group = self._waiting[:self._most]
                del self._waiting[:self._most]
            self._commit(group)
        finally:
            with self._lock:
                if self._waiting:  # arrived during the commit: the first of them leads next
                    self._waiting[0].leads = True
                    self._waiting[0].wake.set()
                else:
                    self._busy = False

    def _commit(self, group: list[_Work]) -> None:
        try:
            with self._store.batch():
                for work in group:
                    try:
                        with self._store.savepoint():
                            work.value = work.context.run(work.run)
                    except Exception as error:  # undone alone, answered with its own error
                        work.error = error
        except BaseException as error:  # the commit failed: nothing of the group is stored
            for work in group:
                work.value, work.error = None, work.error or error
            if not isinstance(error, Exception):
                raise
        else:
            self._on_commit(len(group))
        finally:
            for work in group:
                work.finished = True
                work.wake.set()


__all__ = ["Batches", "GroupCommit"]
