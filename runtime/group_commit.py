"""Group commit: the saves of concurrent requests, committed in one transaction.

A request thread hands its save work (load, decide, save) to `GroupCommit.run` and waits; the
work of the threads waiting meanwhile is grouped as runtime.grouping describes, and a group's
runs in one transaction of the event store (runtime.batch_commit), each piece in its own
savepoint, so a piece that raises (a duplicate, a refusal, a conflicting save) is undone and
answered alone while the others are kept.

Every request is answered only after the commit its work was in: `run` returns (and the
caller's 202 is sent) once the transaction is durable, or raises the commit's error if it
failed, and then nothing of the group was stored. So nothing acknowledged can be lost to a
crash between the save and the commit, and no crash test is needed beyond the store's own.

Each piece runs in the leading thread with the contextvars of the request that gave it (logs
and traces keep their request's fields).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from typing import Any, Protocol, TypeVar

from runtime.grouping import Grouping, Work

T = TypeVar("T")


class Batches(Protocol):
    """What runs saves in one transaction, each part in a savepoint (a ServiceApplication)."""

    def batch(self) -> contextlib.AbstractContextManager[None]: ...

    def savepoint(self) -> contextlib.AbstractContextManager[None]: ...


class GroupCommit(Grouping):
    """Coalesces the save work of concurrent threads into shared transactions."""

    def __init__(self, store: Batches, *, most: int = 64, linger_s: float = 0.002,
                 on_commit: Callable[[int], None] = lambda size: None) -> None:
        super().__init__(most=most, linger_s=linger_s)
        self._store = store
        self._on_commit = on_commit  # the group's size, after each commit (a metric)

    def run(self, work: Callable[[], T]) -> T:
        """Run `work` in the next group's transaction; its result once that has committed."""
        (mine,) = self.submit([work])
        if mine.error is not None:
            raise mine.error
        return mine.value

    def run_all(self, works: Sequence[Callable[[], Any]]) -> list[tuple[Any, BaseException | None]]:
        """run() of each of one caller's works (a batch request's items), handed over together:
        they share transactions (up to `most` each) instead of taking one each in turn. Each
        one's (result, None) or (None, the error it raised), once its transaction committed."""
        return [(work.value, work.error) for work in self.submit(works)]

    def _do(self, group: list[Work]) -> None:
        try:
            with self._store.batch():
                for work in group:
                    try:
                        with self._store.savepoint():
                            work.value = work.context.run(work.item)
                    except Exception as error:  # undone alone, answered with its own error
                        work.error = error
        except BaseException as error:  # the commit failed: nothing of the group is stored
            for work in group:
                work.value, work.error = None, work.error or error
            if not isinstance(error, Exception):
                raise
        else:
            self._on_commit(len(group))


__all__ = ["Batches", "GroupCommit"]
