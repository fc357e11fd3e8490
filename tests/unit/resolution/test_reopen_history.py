"""A reopened complaint shows no closure as current; earlier closures stay as history."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient

from tests.unit.resolution.builders import HANDLER, at, resolved
from tests.unit.resolution.conftest import START, Clock, as_
from tests.unit.resolution.walk import AGENT, ok, resolve

WINDOW = timedelta(days=30)


def test_reopening_moves_the_closure_to_the_history() -> None:
    case = resolved()
    case.close(by=HANDLER, at=at(20))
    closure = dict(case.closure)

    case.reopen(by=HANDLER, reason="Charged again", at=at(30), window=WINDOW)

    assert case.closure is None
    assert case.previous_closures == [{**closure, "reopened_at": at(30)}]


def test_the_case_read_after_a_reopen_has_no_current_closure(
    client: TestClient, opened: str, clock: Clock
) -> None:
    resolve(client, opened)
    ok(client.post(f"/v1/cases/{opened}/closure", headers=as_(AGENT), json={}))
    clock.advance(days=3)
    ok(client.post(f"/v1/cases/{opened}/reopening", headers=as_(AGENT),
                   json={"reason": "Charged again"}))

    case = client.get(f"/v1/cases/{opened}").json()

    assert (case["case_status"], case["closure"], case["root_cause"]) == (
        "investigating", None, None)
    assert [(c["closed_by"], c["category"], c["at"], c["reopened_at"])
            for c in case["previous_closures"]] == [(
        AGENT, "payment_retry", START.isoformat().replace("+00:00", "Z"),
        (START + timedelta(days=3)).isoformat().replace("+00:00", "Z"),
    )]
