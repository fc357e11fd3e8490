"""The HTTP API: who owns a complaint, transfers, collaborators, shifts, and the workload."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from contracts.registry import parse
from runtime.inbox import Inbox
from services.dispatch import api, api_operations
from tests.problems import kind, reason

from .conftest import START, classified, published_envelopes, sample

TENANT = "experian-us"  # the golden samples' tenant


@pytest.fixture
def client(app, tokens):
    saved = []
    http = tokens.app(api.build_router(app, on_saved=lambda: saved.append(1)),
                      api_operations.build_router(app, on_saved=lambda: saved.append(1)))
    client = TestClient(http, headers=tokens.headers(tenant=TENANT, sub="ana"))
    client.saved = saved
    return client


def test_the_assignment_shows_owner_rule_and_hand_overs_and_404s_an_unknown_one(
    app, inbox, client
):
    inbox.process(*classified("c0", "billing_charges"))
    app.add_collaborator(complaint_id="c0", department="fraud", task="check", actor="ana")

    before_heard = client.get("/v1/assignments/c0").json()
    heard_back = Inbox(app=app, consumer="dispatch", handlers={})
    for envelope in published_envelopes(app):  # dispatch's own events, back from its topic
        heard_back.process(*parse(envelope.model_dump(mode="json")))
    found = client.get("/v1/assignments/c0")
    missing = client.get("/v1/assignments/nope")

    assert (before_heard["status"], before_heard["assignment_status"]) == (None, "assigned")
    assert found.json() == {
        "complaint_id": "c0", "status": "assigned", "assignment_status": "assigned",
        "queue": "billing", "department": "service",
        "agent_id": "ana", "rule_id": "billing", "rule_set_version": "2025.1",
        "rule_set_hash": app.rules.current().content_hash, "strategy": "skill_based",
        "transfer_count": 0, "escalation_level": None,
        "collaborators": [{"department": "fraud", "task": "check", "actor": "ana"}],
    }
    assert missing.status_code == 404


def test_transfer_and_collaborator_commands_and_their_errors(app, inbox, client):
    inbox.process(*classified("c0", "billing_charges"))
    body = {"to_queue": "fraud", "reason": "stolen card"}

    moved = client.post("/v1/assignments/c0/transfer", json=body)
    unknown = client.post("/v1/assignments/nope/transfer", json=body)
    bad_queue = client.post("/v1/assignments/c0/transfer", json={**body, "to_queue": "x"})
    busy = client.post(
        "/v1/assignments/c0/transfer", json={**body, "to_queue": "general", "to_agent_id": "fay"}
    )
    helped = client.post(
        "/v1/assignments/c0/collaborators",
        json={"department": "service", "task": "refund the fee"},
    )

    assert moved.status_code == 200
    assert moved.json() == {
        "complaint_id": "c0", "outcome": "transferred", "queue": "fraud", "department": "fraud",
        "agent_id": "fay", "transfer_count": 1,
        "reason": "fay has language en and 0 of 1 slots in use",
    }
    assert (unknown.status_code, reason(unknown)) == (404, {"detail": "assignment not found"})
    assert (bad_queue.status_code, reason(bad_queue)) == (
        422, {"detail": "queue 'x' is not on the roster"}
    )
    assert (busy.status_code, reason(busy)) == (409, {"detail": "fay does not serve queue general"})
    assert (helped.status_code, helped.json()["added"]) == (201, True)
    assert client.saved == [1, 1]


def test_naming_the_first_agent_of_a_waiting_complaint_answers_assigned_without_a_transfer(
    app, inbox, client
):
    for complaint in ["f0", "f1"]:
        inbox.process(*classified(complaint, "fraud_card"))  # fay takes f0, f1 waits

    named = client.post("/v1/assignments/f1/transfer",
                        json={"to_queue": "general", "to_agent_id": "cy", "reason": "free"})

    assert (named.status_code, named.json()) == (200, {
        "complaint_id": "f1", "outcome": "assigned", "queue": "general",
        "department": "service", "agent_id": "cy", "transfer_count": 0,
        "reason": "Assigned by name by ana to cy (0 of 2 slots in use): free",
    })
    assert client.get("/v1/assignments/f1").json()["transfer_count"] == 0


def test_shift_and_capacity_updates_assign_the_waiting_and_unknown_agents_404(
    app, inbox, client
):
    for complaint in ["c0", "c1", "c2"]:
        inbox.process(*classified(complaint, "fraud_card"))

    raised = client.patch("/v1/roster/agents/fay", json={"capacity": 2})
    off = client.patch("/v1/roster/agents/fay", json={"on_shift": False})
    unknown = client.patch("/v1/roster/agents/zed", json={"on_shift": True})
    negative = client.patch("/v1/roster/agents/fay", json={"capacity": -1})

    assert raised.json() == {
        "agent_id": "fay", "department": "fraud", "queues": ["fraud"], "skills": ["fraud"],
        "languages": [], "on_shift": True, "capacity": 2, "open": 2, "changed": True,
    }
    assert (off.json()["on_shift"], off.json()["open"]) == (False, 2)
    assert unknown.status_code == 404
    assert negative.status_code == 422
    assert app.get_assignment("c1").agent_id == "fay"
    assert app.get_assignment("c2").status == "queued"


def test_the_workload_shows_open_complaints_per_agent_and_queue_with_ages(
    app, inbox, client, clock
):
    for n, minutes in enumerate([0, 10, 20]):
        envelope, event = classified(f"f{n}", "fraud_card")
        inbox.process(envelope.model_copy(update={"time": START.replace(minute=minutes)}), event)
    clock.advance(30 * 60)
    inbox.process(*classified("g0", "other"))
    inbox.process(*sample("complaint.closed.v1", complaint_id="g0"))

    workload = client.get("/v1/workload").json()

    agents = {a["agent_id"]: a for a in workload["agents"]}
    assert agents["fay"] == {
        "agent_id": "fay", "department": "fraud", "on_shift": True, "capacity": 1, "open": 1,
        "ages": {"oldest_s": 1800.0, "median_s": 1800.0},
    }
    assert agents["ana"]["open"] == 0
    queues = {q["queue"]: q for q in workload["queues"]}
    assert queues["fraud"] == {
        "queue": "fraud", "department": "fraud", "depth": 2, "open": 3,
        "waiting_ages": {"oldest_s": 1800.0, "median_s": 1800.0},
        "open_ages": {"oldest_s": 1800.0, "median_s": 1200.0},
    }
    assert queues["general"] == {
        "queue": "general", "department": "service", "depth": 0, "open": 0,
        "waiting_ages": {"oldest_s": None, "median_s": None},
        "open_ages": {"oldest_s": None, "median_s": None},
    }


def test_refusals_are_problems_typed_by_dispatchs_error_table(app, inbox, client):
    inbox.process(*classified("c0", "billing_charges"))
    body = {"to_queue": "fraud", "reason": "stolen card"}

    bad_queue = client.post("/v1/assignments/c0/transfer", json={**body, "to_queue": "x"})
    busy = client.post(
        "/v1/assignments/c0/transfer", json={**body, "to_queue": "general", "to_agent_id": "fay"}
    )
    unknown = client.post("/v1/assignments/nope/transfer", json=body)
    invalid = client.post("/v1/assignments/c0/transfer", json={"to_queue": ""})

    assert [kind(r) for r in (bad_queue, busy, unknown, invalid)] == [
        (422, "unknown-target"), (409, "agent-unavailable"), (404, "not-found"),
        (422, "invalid-request")]
    assert [e["loc"] for e in invalid.json()["errors"]] == [["body", "to_queue"],
                                                            ["body", "reason"]]
