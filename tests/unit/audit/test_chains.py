"""The chain verdicts an auditor reads without pii:read: ok, broken at a position, missing."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from audit.api import build_router
from audit.history import AuditTrail
from tests.unit.audit.test_bundle import COMPLAINT, FakeStore, sample, stores

TENANT = "experian-us"  # the samples' tenant


def tamper(store: FakeStore, position: int) -> None:
    """What a rogue administrator does with the append-only triggers off: edit a stored state."""
    i = position - 1
    n, originator, version, topic, state = store.rows_[i]
    store.rows_[i] = (n, originator, version, topic, state.replace(b'"n"', b'"m"'))


class Trail(AuditTrail):
    def __init__(self, stores, missing):
        super().__init__(stores)
        self.missing = missing


@pytest.fixture
def served(tokens):
    def serve(stores: list[FakeStore], missing=()) -> TestClient:
        router = build_router(lambda: Trail(stores, list(missing)), lambda: None)
        return TestClient(tokens.app(router),
                          headers=tokens.headers("auditor", tenant=TENANT))
    return serve


def test_every_store_verifies_when_untouched_and_a_missing_store_is_named(served):
    answer = served(stores(), missing=["notify"]).get("/v1/audit/chains")
    assert answer.status_code == 200
    assert answer.json() == [
        {"service": "intake", "verdict": "ok", "position": None, "kind": "", "head": 4,
         "entries": 4},
        {"service": "dispatch", "verdict": "ok", "position": None, "kind": "", "head": 2,
         "entries": 2},
        {"service": "sla", "verdict": "ok", "position": None, "kind": "", "head": 1,
         "entries": 1},
        {"service": "notify", "verdict": "missing", "position": None, "kind": "", "head": 0,
         "entries": 0},
    ]


def test_a_tampered_store_answers_broken_at_the_position_touched(served):
    tampered = stores()
    tamper(tampered[0], 2)
    answer = served(tampered).get(f"/v1/audit/complaints/{COMPLAINT}/chain")
    assert answer.status_code == 200
    assert answer.json() == [
        {"service": "intake", "verdict": "broken", "position": 2, "kind": "modified",
         "head": 4, "entries": 4},
        {"service": "dispatch", "verdict": "ok", "position": None, "kind": "", "head": 2,
         "entries": 2},
    ]


def test_an_auditor_without_pii_read_gets_the_verdict_and_no_personal_data(served):
    answer = served(stores()).get(f"/v1/audit/complaints/{COMPLAINT}/chain")
    assert answer.status_code == 200
    assert set(answer.json()[0]) == {"service", "verdict", "position", "kind", "head",
                                     "entries"}


def test_a_complaint_of_another_tenant_is_unknown(served, tokens):
    client = served(stores())
    client.headers.update(tokens.headers("auditor", tenant="other"))
    assert client.get(f"/v1/audit/complaints/{COMPLAINT}/chain").status_code == 404


def test_the_verdicts_need_the_audit_scope(served, tokens):
    client = served(stores())
    client.headers.update(tokens.headers("agent", tenant=TENANT, departments=["billing"]))
    assert client.get("/v1/audit/chains").status_code == 403


def test_a_complaint_no_store_holds_is_unknown(served):
    assert served(stores()).get(f"/v1/audit/complaints/{sample('complaint.received.v1').id}"
                                "/chain").status_code == 404
