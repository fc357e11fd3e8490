"""Who may see a complaint's clocks and ledger, extend or re-base them, read and reload the
policies: scopes, tenants and the department dispatch gave the complaint to."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from contracts.topics import DISPATCH_EVENTS
from runtime.inbox import Inbox
from services.sla import api
from services.sla.application import SlaApplication
from services.sla.catalog import DEFAULT_CALENDAR_DIR, DEFAULT_POLICY_FILE, read_documents
from services.sla.handlers import SUBSCRIPTIONS
from services.sla.ledger import ledger
from tests.auth_tokens import Tokens, assigned, bearer
from tests.problems import reason
from tests.unit.sla.conftest import T0, fact

MISSING = {"detail": "complaint not found"}


@pytest.fixture
def client(app: SlaApplication, tokens: Tokens) -> TestClient:
    def reload() -> list[str]:
        return [d.version for d in app.put_in_force(
            read_documents(DEFAULT_POLICY_FILE, [DEFAULT_CALENDAR_DIR]))]

    app.record(fact("received", T0))  # complaint c-1 of tenant default
    return TestClient(tokens.app(api.build_router(app, on_saved=lambda: None, reload=reload,
                                                  tenant="default")))


def route(app: SlaApplication, department: str) -> None:
    Inbox(app=app, consumer="sla", handlers=SUBSCRIPTIONS[DISPATCH_EVENTS]).process(
        *assigned("c-1", tenant="default", department=department))


def as_(tokens: Tokens, role: str, *departments: str, tenant: str = "default",
        sub: str = "someone") -> dict[str, str]:
    return bearer(tokens.token(role, tenant=tenant, departments=departments, sub=sub))


def test_before_dispatch_routes_it_only_tenant_wide_roles_see_the_clocks(client, tokens):
    agent = as_(tokens, "agent", "billing")
    for path in ("/v1/clocks/c-1", "/v1/clocks/c-1/ledger"):
        hidden = client.get(path, headers=agent)
        missing = client.get(path.replace("c-1", "c-404"), headers=agent)
        assert (hidden.status_code, reason(hidden)) == (404, MISSING)
        assert (missing.status_code, reason(missing)) == (404, MISSING)
        assert client.get(path, headers=as_(tokens, "auditor")).status_code == 200


def test_the_owning_department_sees_them_and_no_other_department_or_tenant(
    app, client, tokens
):
    route(app, "billing")
    for path in ("/v1/clocks/c-1", "/v1/clocks/c-1/ledger"):
        assert client.get(path, headers=as_(tokens, "agent", "billing")).status_code == 200
        for intruder in (as_(tokens, "supervisor", "claims"),
                         as_(tokens, "supervisor", "billing", tenant="globex"),
                         as_(tokens, "auditor", tenant="globex")):
            answer = client.get(path, headers=intruder)
            assert (answer.status_code, reason(answer)) == (404, MISSING)


def test_a_supervisor_of_the_department_extends_as_themselves(app, client, tokens):
    route(app, "billing")
    body = {"clock": "first_response", "reason": "complex case"}
    before = app.get_sla("c-1").version

    other = client.post("/v1/clocks/c-1/extensions", json=body,
                        headers=as_(tokens, "supervisor", "claims"))
    agent = client.post("/v1/clocks/c-1/extensions", json=body,
                        headers=as_(tokens, "agent", "billing"))
    spoofed = client.post("/v1/clocks/c-1/extensions", json={**body, "actor": "boss"},
                          headers=as_(tokens, "supervisor", "billing"))

    assert (other.status_code, reason(other)) == (404, MISSING)
    assert agent.status_code == 403
    assert [(e["loc"], e["type"]) for e in spoofed.json()["errors"]] == [
        (["body", "actor"], "extra_forbidden")]
    assert app.get_sla("c-1").version == before


def test_an_administrator_rebases_complaints_of_their_tenant_as_themselves(
    app, client, tokens
):
    foreign = client.post("/v1/clocks/c-1/rebase", json={"reason": "new policy"},
                          headers=as_(tokens, "administrator", tenant="globex"))
    supervisor = client.post("/v1/clocks/c-1/rebase", json={"reason": "new policy"},
                             headers=as_(tokens, "supervisor", "billing"))
    rebased = client.post("/v1/clocks/c-1/rebase", json={"reason": "new policy"},
                          headers=as_(tokens, "administrator", sub="root"))

    assert (foreign.status_code, reason(foreign)) == (404, MISSING)
    assert supervisor.status_code == 403
    assert rebased.status_code == 200
    assert [e.actor for e in ledger(app.stored_events("c-1"))
            if e.kind == "policy_rebased"] == ["root"]


def test_policies_are_the_deployment_tenants_configuration(client, tokens):
    assert client.get("/v1/policies/active").status_code == 401
    assert client.get("/v1/policies/active",
                      headers=as_(tokens, "analyst")).status_code == 403
    assert client.get("/v1/policies/active",
                      headers=as_(tokens, "auditor")).json()["policy_id"] == "default"
    assert client.post("/v1/policies/reload", headers=as_(tokens, "auditor")).status_code == 403
    assert client.post("/v1/policies/reload",
                       headers=as_(tokens, "administrator")).status_code == 200
    foreign = client.get("/v1/policies/active",
                         headers=as_(tokens, "administrator", tenant="globex"))
    assert (foreign.status_code, reason(foreign)) == (404, {"detail": "policy not found"})


@pytest.mark.parametrize(("method", "path", "body"), [
    ("GET", "/v1/clocks/c-1", None), ("GET", "/v1/clocks/c-1/ledger", None),
    ("POST", "/v1/clocks/c-1/rebase", {"reason": "r"}),
    ("POST", "/v1/clocks/c-1/extensions", {"clock": "first_response", "reason": "r"}),
    ("GET", "/v1/policies/active", None), ("POST", "/v1/policies/reload", None),
])
def test_no_token_is_401_and_the_wrong_role_403(client, tokens, method, path, body):
    assert client.request(method, path, json=body).status_code == 401
    answer = client.request(method, path, json=body, headers=as_(tokens, "analyst"))
    assert answer.status_code == 403
