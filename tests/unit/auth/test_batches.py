"""Batch slots: at most K batches of one caller at a time (issue #21, point 6)."""

from __future__ import annotations

import pytest

from runtime.auth.batches import BatchSlots, TooManyRequests
from runtime.auth.principal import Principal


def caller(sub: str, tenant: str = "acme") -> Principal:
    return Principal(sub=sub, tenant=tenant, roles=frozenset(), scopes=frozenset())


def test_a_caller_holds_at_most_k_slots_and_gets_them_back():
    slots = BatchSlots(2)
    with slots.hold(caller("web")), slots.hold(caller("web")):
        with pytest.raises(TooManyRequests) as refused, slots.hold(caller("web")):
            pass
        assert (refused.value.status_code, refused.value.detail, refused.value.headers) == (
            429, "at most 2 batches of one caller at a time", {"Retry-After": "1"})
        with slots.hold(caller("app")), slots.hold(caller("web", tenant="globex")):
            pass  # other callers have their own slots
    with slots.hold(caller("web")), slots.hold(caller("web")):
        pass
    assert slots._running == {}


def test_a_failing_batch_gives_its_slot_back():
    slots = BatchSlots(1)
    with pytest.raises(RuntimeError), slots.hold(caller("web")):
        raise RuntimeError("the store is down")
    with slots.hold(caller("web")):
        pass


def test_a_caller_runs_at_least_one_batch():
    with pytest.raises(ValueError):
        BatchSlots(0)
