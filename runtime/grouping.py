"""The work of concurrent threads, done in groups: one call for many callers.

A thread hands over its items and waits. The first thread to arrive while no group is running
leads: it waits a moment (`linger_s`) for others, takes every item waiting (at most `most`),
and does the group's work; each caller is answered with its own item's result or error. Items
arriving while a group runs wait for the next one, led by the first of them. A caller's items
handed over together (`run_all`) go into as few groups as `most` allows.

runtime.group_commit groups saves into one transaction; `GroupCall` groups calls of a function
that does many items more cheaply than one at a time (intake classifies concurrent requests'
submissions with one call of its models).
"""

from __future__ import annotations

import contextvars
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")


@dataclass(eq=False)
class Work:
    """One caller's item, and what became of it."""

    item: Any
    context: contextvars.Context  # the caller's (logs and traces keep the request's fields)
    wake: threading.Event = field(default_factory=threading.Event)
    leads: bool = False
    finished: bool = False
    value: Any = None
    error: BaseException | None = None


class Grouping:
    """Coalesces the items of concurrent threads into groups; `_do` does one group's work,
    setting each Work's value or error."""

    def __init__(self, *, most: int, linger_s: float) -> None:
        if most < 1:
            raise ValueError(f"most must be at least 1, not {most}")
        self._most = most
        self._linger_s = linger_s
        self._lock = threading.Lock()
        self._waiting: list[Work] = []
        self._busy = False

    @property
    def waiting(self) -> int:
        """How many items wait for a group to begin (a gauge)."""
        with self._lock:
            return len(self._waiting)

    def _do(self, group: list[Work]) -> None:
        raise NotImplementedError

    def submit(self, items: Sequence[Any]) -> list[Work]:
        """Hand the items over; once each was done in a group, their Works."""
        mine = [Work(item, contextvars.copy_context()) for item in items]
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
            try:
                self._do(group)
            finally:
                for work in group:
                    work.finished = True
                    work.wake.set()
        finally:
            with self._lock:
                if self._waiting:  # arrived during the group: the first of them leads next
                    self._waiting[0].leads = True
                    self._waiting[0].wake.set()
                else:
                    self._busy = False


class GroupCall(Grouping, Generic[Item, Result]):
    """`call` of concurrent callers' items as one call of `call_many` on all of them."""

    def __init__(self, call_many: Callable[[list[Item]], list[Result]], *, most: int = 64,
                 linger_s: float = 0.002) -> None:
        super().__init__(most=most, linger_s=linger_s)
        self._call_many = call_many

    def call(self, item: Item) -> Result:
        """This item's result, computed with those of whoever else called meanwhile."""
        (result,) = self.call_all([item])
        return result

    def call_all(self, items: Sequence[Item]) -> list[Result]:
        """The items' results, in order; the group's error if its call raised."""
        works = self.submit(items)
        for work in works:
            if work.error is not None:
                raise work.error
        return [work.value for work in works]

    def _do(self, group: list[Work]) -> None:
        try:
            results = self._call_many([work.item for work in group])
        except Exception as error:  # every caller of the group gets it
            for work in group:
                work.error = error
            return
        for work, result in zip(group, results, strict=True):
            work.value = result


__all__ = ["GroupCall", "Grouping", "Work"]
