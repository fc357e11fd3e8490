"""One way to redo a save that lost to another writer (optimistic concurrency).

Every use case loads aggregates, decides, and saves; when another replica (or another thread
of this one) saved the same aggregate first, the save raises IntegrityError and the use case
is run again from the newer state, a bounded number of times.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from runtime.eventstore import Cause, IntegrityError, ServiceApplication

T = TypeVar("T")


class TooMuchContention(IntegrityError):
    """Every attempt of a use case lost its save to another writer."""


def transact(
    app: ServiceApplication,
    work: Callable[[], T],
    *,
    cause: Cause | None,
    attempts: int,
    conflicted: Callable[[], None] = lambda: None,
) -> T:
    """Run `work` (load, decide, save) until its save does not conflict, at most `attempts`
    times; `conflicted` is called for each conflict that is retried (a metric).

    A conflict after which `cause` is found processed means another replica applied this very
    event: the conflict is raised as it is, and the inbox counts the event as a duplicate.
    Past the attempts, TooMuchContention (an IntegrityError) is raised.
    """
    if attempts < 1:
        raise ValueError(f"attempts must be at least 1, not {attempts}")
    for _ in range(attempts):
        try:
            return work()
        except IntegrityError:
            if cause is not None and app.has_processed(cause):
                raise
            conflicted()
    raise TooMuchContention(f"gave up after {attempts} conflicting saves")
