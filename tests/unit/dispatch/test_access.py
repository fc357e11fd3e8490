"""Who may see and move an assignment, change the roster, read the workload and the rules:
scopes, tenants, departments and queues; who acts is the token's subject."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from services.dispatch import api, api_operations
from tests.auth_tokens import Tokens, bearer
from tests.problems import reason

from .conftest import classified, published_envelopes

TENANT = "experian-us"  # the golden samples' tenant
MISSING = {"detail": "assignment not found"}


@pytest.fixture
def client(app, tokens: Tokens):
    return TestClient(tokens.app(api.build_router(app, on_saved=lambda: None),
                                 api_operations.build_router(app, on_saved=lambda: None)))


def as_(tokens: Tokens, role: str, *departments: str, sub: str = "someone",
        tenant: str = TENANT, queues: tuple[str, ...] = ()) -> dict[str, str]:
    return bearer(tokens.token(role, tenant=tenant, sub=sub, departments=departments,
                               queues=queues))


def test_an_assignment_of_another_tenant_department_or_queue_is_missing(
    app, inbox, client, tokens
):
    inbox.process(*classified("c0", "billing_charges"))  # billing queue, department service
    owner = as_(tokens, "agent", "service", queues=("billing",))
    intruders = [
        as_(tokens, "supervisor", "service", tenant="globex"),
        as_(tokens, "auditor", tenant="globex"),
        as_(tokens, "supervisor", "fraud"),
        as_(tokens, "agent", "service", queues=("general",)),
    ]
    missing = client.get("/v1/assignments/nope", headers=owner)

    assert client.get("/v1/assignments/c0", headers=owner).status_code == 200
    assert (missing.status_code, reason(missing)) == (404, MISSING)
    for headers in intruders:
        for method, path, body in [
            ("GET", "/v1/assignments/c0", None),
            ("POST", "/v1/assignments/c0/transfer", {"to_queue": "general", "reason": "r"}),
            ("POST", "/v1/assignments/c0/collaborators", {"department": "fraud", "task": "t"}),
        ]:
            answer = client.request(method, path, json=body, headers=headers)
            if answer.status_code == 403:  # the auditor may read but not work
                assert method == "POST"
                continue
            assert (answer.status_code, reason(answer)) == (404, MISSING), (method, path)
    assert app.get_assignment("c0").collaborators == []
    assert app.get_assignment("c0").transfer_count == 0


def test_no_token_is_401_and_a_missing_scope_is_403_before_any_lookup(app, inbox, client,
                                                                      tokens):
    inbox.process(*classified("c0", "billing_charges"))
    analyst = as_(tokens, "analyst", "service")
    for method, path, body in [
        ("GET", "/v1/assignments/c0", None),
        ("GET", "/v1/assignments/nope", None),
        ("POST", "/v1/assignments/c0/transfer", {"to_queue": "general", "reason": "r"}),
        ("POST", "/v1/assignments/c0/collaborators", {"department": "fraud", "task": "t"}),
        ("PATCH", "/v1/roster/agents/ana", {"on_shift": False}),
        ("GET", "/v1/workload", None),
        ("GET", "/v1/routing", None),
        ("POST", "/v1/routing/reload", None),
    ]:
        assert client.request(method, path, json=body).status_code == 401, path
        assert client.request(method, path, json=body, headers=analyst).status_code == 403, path


def test_the_agent_who_holds_it_hands_it_over_as_themselves(app, inbox, client, tokens):
    inbox.process(*classified("c0", "billing_charges"))  # to ana
    body = {"to_queue": "general", "reason": "not a billing matter"}

    colleague = client.post("/v1/assignments/c0/transfer", json=body,
                            headers=as_(tokens, "agent", "service", sub="bo"))
    spoofed = client.post("/v1/assignments/c0/transfer", json={**body, "actor": "bo"},
                          headers=as_(tokens, "agent", "service", sub="ana"))
    moved = client.post("/v1/assignments/c0/transfer", json=body,
                        headers=as_(tokens, "agent", "service", sub="ana"))

    assert (colleague.status_code, reason(colleague)) == (403, {
        "detail": "only the agent who holds it, or complaints:assign, may transfer"})
    assert [(e["loc"], e["type"]) for e in spoofed.json()["errors"]] == [
        (["body", "actor"], "extra_forbidden")]
    assert moved.status_code == 200
    [transferred] = [e for e in published_envelopes(app)
                     if e.type == "complaint.transferred.v1"]
    assert transferred.data["actor"] == "ana"


def test_a_supervisor_transfers_only_into_their_own_departments(app, inbox, client, tokens):
    inbox.process(*classified("c0", "billing_charges"))
    supervisor = as_(tokens, "supervisor", "service", sub="sam")

    refused = client.post("/v1/assignments/c0/transfer", headers=supervisor,
                          json={"to_queue": "fraud", "reason": "stolen card"})
    within = client.post("/v1/assignments/c0/transfer", headers=supervisor,
                         json={"to_queue": "general", "reason": "general matter"})

    assert (refused.status_code, reason(refused)) == (403, {
        "detail": "queue 'fraud' is not in one of your departments"})
    assert (within.status_code, within.json()["department"]) == (200, "service")


def test_a_collaborator_is_added_by_the_caller(app, inbox, client, tokens):
    inbox.process(*classified("c0", "billing_charges"))
    answer = client.post("/v1/assignments/c0/collaborators",
                         json={"department": "fraud", "task": "check the card"},
                         headers=as_(tokens, "agent", "service", sub="bo"))
    assert answer.status_code == 201
    assert app.get_assignment("c0").collaborators == [
        {"department": "fraud", "task": "check the card", "actor": "bo"}]


def test_supervisors_see_and_change_their_own_departments_agents_and_queues(
    app, inbox, client, tokens
):
    supervisor = as_(tokens, "supervisor", "fraud")

    workload = client.get("/v1/workload", headers=supervisor).json()
    theirs = client.patch("/v1/roster/agents/fay", json={"capacity": 2}, headers=supervisor)
    other_department = client.patch("/v1/roster/agents/ana", json={"on_shift": False},
                                    headers=supervisor)
    unknown = client.patch("/v1/roster/agents/zed", json={"on_shift": False},
                           headers=supervisor)
    other_tenant = client.get("/v1/workload",
                              headers=as_(tokens, "supervisor", "fraud", tenant="globex"))

    assert [a["agent_id"] for a in workload["agents"]] == ["fay"]
    assert [q["queue"] for q in workload["queues"]] == ["fraud"]
    assert (theirs.status_code, theirs.json()["capacity"]) == (200, 2)
    for refused in (other_department, unknown):
        assert (refused.status_code, reason(refused)) == (404, {"detail": "agent not found"})
    assert app.seat("ana").on_shift is True
    assert (other_tenant.status_code, reason(other_tenant)) == (
        404, {"detail": "workload not found"})


def test_the_rules_are_read_and_reloaded_by_administrators_of_the_deployments_tenant(
    client, tokens
):
    admin = as_(tokens, "administrator")
    assert client.get("/v1/routing", headers=admin).json()["version"] == "2025.1"
    assert client.post("/v1/routing/reload", headers=admin).status_code == 200
    auditor = as_(tokens, "auditor")
    assert client.get("/v1/routing", headers=auditor).status_code == 200
    assert client.post("/v1/routing/reload", headers=auditor).status_code == 403
    foreign = client.get("/v1/routing", headers=as_(tokens, "administrator", tenant="globex"))
    assert (foreign.status_code, reason(foreign)) == (404, {"detail": "rule set not found"})
