"""Calls of concurrent threads made as one call on all their items (runtime.grouping)."""

from __future__ import annotations

import threading
import time

import pytest

from runtime.grouping import GroupCall


def until(condition, timeout_s: float = 30) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.005)


class Doubling:
    """call_many that doubles each item and records the groups it was called with; the first
    call can be held open until a gate opens, so that others arrive meanwhile."""

    def __init__(self, fail_on: int | None = None) -> None:
        self.groups: list[list[int]] = []
        self.gate, self.entered = threading.Event(), threading.Event()
        self.fail_on = fail_on

    def __call__(self, items: list[int]) -> list[int]:
        self.groups.append(list(items))
        if len(self.groups) == 1:
            self.entered.set()
            assert self.gate.wait(30)
        if self.fail_on in items:
            raise ValueError(f"cannot do {self.fail_on}")
        return [2 * item for item in items]


def call_in_threads(calls: GroupCall, items: list[int]) -> dict[int, object]:
    """Each item called from its own thread while a first call (item 0) holds the group open."""
    got: dict[int, object] = {}

    def one(item: int) -> None:
        try:
            got[item] = calls.call(item)
        except Exception as error:  # the test looks at what each caller got
            got[item] = error

    first = threading.Thread(target=one, args=(0,))
    first.start()
    assert calls._call_many.entered.wait(30)
    threads = [threading.Thread(target=one, args=(item,)) for item in items]
    for thread in threads:
        thread.start()
    until(lambda: calls.waiting == len(items))
    calls._call_many.gate.set()
    for thread in [first, *threads]:
        thread.join(30)
    return got


def test_callers_arriving_meanwhile_are_answered_by_one_call_each_with_their_own_result():
    calls = GroupCall(Doubling(), linger_s=0)
    got = call_in_threads(calls, [1, 2, 3, 4])
    assert sorted(map(sorted, calls._call_many.groups)) == [[0], [1, 2, 3, 4]]
    assert got == {0: 0, 1: 2, 2: 4, 3: 6, 4: 8}


def test_a_failing_call_answers_every_caller_of_its_group_with_its_error():
    calls = GroupCall(Doubling(fail_on=3), linger_s=0)
    got = call_in_threads(calls, [1, 2, 3])
    assert got[0] == 0  # the first group's call did not fail
    assert all(isinstance(got[item], ValueError) for item in (1, 2, 3))


def test_one_caller_s_items_go_in_groups_of_at_most_most_and_come_back_in_order():
    doubling = Doubling()
    doubling.gate.set()
    calls = GroupCall(doubling, most=2, linger_s=0)
    assert calls.call_all([5, 6, 7, 8, 9]) == [10, 12, 14, 16, 18]
    assert doubling.groups == [[5, 6], [7, 8], [9]]
    assert calls.call_all([]) == []


def test_most_must_be_at_least_one():
    with pytest.raises(ValueError, match="most"):
        GroupCall(Doubling(), most=0)
