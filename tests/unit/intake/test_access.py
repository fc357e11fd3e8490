"""Who may file, read, erase and track at intake: scopes, tenants, departments, masked fields,
the log of personal-data reads and the per-customer filing quota."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

import contracts
from contracts.registry import parse
from contracts.topics import DISPATCH_EVENTS
from runtime.inbox import Inbox
from services.intake.bootstrap import bootstrap
from services.intake.config import IntakeSettings
from services.intake.handlers import SUBSCRIPTIONS
from tests.auth_tokens import Tokens, assigned, bearer
from tests.problems import reason

PHONE = "13812345678"
VALID = {
    "channel": "web",
    "customer": {"id": "cust-7", "name": "Li Wei", "contact": PHONE},
    "subject": "Refund not received",
    "text": "I returned the blender on 3 May and the refund has still not arrived.",
}
MISSING = {"detail": "complaint not found"}
SAMPLES = Path(contracts.__file__).parent / "samples"


@pytest.fixture
def intake(tmp_path, tokens: Tokens):
    settings = IntakeSettings(data_dir=tmp_path, service="intake-access-test",
                              filing_quota_per_day=2, **tokens.settings)
    http, runtime = bootstrap(settings)
    yield TestClient(http), runtime.app
    runtime.app.close()


def file(client: TestClient, tokens: Tokens, *, tenant: str = "acme", key: str | None = None,
         **changes) -> str:
    headers = bearer(tokens.client(tenant=tenant))
    if key:
        headers["Idempotency-Key"] = key
    answer = client.post("/v1/complaints", json={**VALID, **changes}, headers=headers)
    assert answer.status_code == 202, answer.text
    return answer.json()["complaint_id"]


def route(app, complaint_id: str, *, tenant: str = "acme", department: str = "billing") -> None:
    """Dispatch's assignment reaches intake: the complaint now belongs to a department."""
    Inbox(app=app, consumer="intake", handlers=SUBSCRIPTIONS[DISPATCH_EVENTS]).process(
        *assigned(complaint_id, tenant=tenant, department=department))


def test_every_route_but_tracking_needs_a_token_and_its_scope(intake, tokens):
    client, app = intake
    complaint_id = file(client, tokens)
    routes = [
        ("POST", "/v1/complaints", VALID),
        ("POST", "/v1/complaints:batch", {"items": [{"idempotency_key": "k",
                                                      "submission": VALID}]}),
        ("POST", "/v1/channels/web", {"account_id": "c-1", "message": "hello there"}),
        ("GET", f"/v1/complaints/{complaint_id}", None),
        ("POST", "/v1/customers/cust-7/erasure", {"reason": "customer_request"}),
        ("GET", "/v1/audit/pii-access", None),
    ]
    analyst = bearer(tokens.token("analyst", tenant="acme"))
    stored = len(app.recorder.select_notifications(None, 100))
    assert stored == 4  # received, classified, the duplicate index opened and noted
    for method, path, body in routes:
        assert client.request(method, path, json=body).status_code == 401, path
        assert client.request(method, path, json=body, headers=analyst).status_code == 403, path
    assert len(app.recorder.select_notifications(None, 100)) == stored


def test_a_complaint_is_filed_for_the_callers_tenant(intake, tokens):
    client, app = intake
    complaint_id = file(client, tokens, tenant="globex")
    assert app.get_complaint(uuid.UUID(complaint_id)).tenant == "globex"


def test_before_dispatch_routes_it_only_tenant_wide_roles_see_it_and_masked(intake, tokens):
    client, _app = intake
    complaint_id = file(client, tokens)
    agent = bearer(tokens.token("agent", tenant="acme", departments=["billing"], sub="al"))
    auditor = bearer(tokens.token("auditor", tenant="acme", sub="ann"))

    hidden = client.get(f"/v1/complaints/{complaint_id}", headers=agent)
    missing = client.get(f"/v1/complaints/{uuid.uuid4()}", headers=agent)
    masked = client.get(f"/v1/complaints/{complaint_id}", headers=auditor)

    assert (hidden.status_code, reason(hidden)) == (404, MISSING)
    assert (missing.status_code, reason(missing)) == (404, MISSING)
    assert masked.status_code == 200
    view = masked.json()
    assert (view["customer_name"], view["customer_contact"], view["subject"], view["text"]) == (
        "L* W**", "138****5678", "[redacted]", "[redacted]")
    assert view["department"] is None
    auditors_log = client.get("/v1/audit/pii-access", headers=auditor).json()
    assert auditors_log == {"tenant": "acme", "reads": []}


def test_the_owning_department_reads_plaintext_and_the_read_is_logged(intake, tokens):
    client, app = intake
    complaint_id = file(client, tokens)
    route(app, complaint_id, department="billing")
    agent = bearer(tokens.token("agent", tenant="acme", departments=["billing"], sub="al"))
    other_department = bearer(tokens.token("supervisor", tenant="acme",
                                           departments=["claims"], sub="sue"))
    other_tenant = bearer(tokens.token("supervisor", tenant="globex",
                                       departments=["billing"], sub="eve"))

    read = client.get(f"/v1/complaints/{complaint_id}", headers=agent)
    assert read.status_code == 200
    assert (read.json()["customer_contact"], read.json()["department"]) == (PHONE, "billing")
    for intruder in (other_department, other_tenant):
        refused = client.get(f"/v1/complaints/{complaint_id}", headers=intruder)
        assert (refused.status_code, reason(refused)) == (404, MISSING)

    auditor = bearer(tokens.token("auditor", tenant="acme", sub="ann"))
    reads = client.get("/v1/audit/pii-access", headers=auditor).json()["reads"]
    assert [(r["subject"], r["complaint_id"], r["fields"]) for r in reads] == [
        ("al", complaint_id, ["customer_contact", "customer_name", "subject", "text"])]
    other_auditor = bearer(tokens.token("auditor", tenant="globex", sub="gus"))
    assert client.get("/v1/audit/pii-access", headers=other_auditor).json()["reads"] == []


def test_a_transfer_moves_who_may_read_it(intake, tokens):
    client, app = intake
    complaint_id = file(client, tokens)
    route(app, complaint_id, department="billing")
    route(app, complaint_id, department="claims")
    billing = bearer(tokens.token("agent", tenant="acme", departments=["billing"]))
    claims = bearer(tokens.token("agent", tenant="acme", departments=["claims"]))
    assert client.get(f"/v1/complaints/{complaint_id}", headers=billing).status_code == 404
    assert client.get(f"/v1/complaints/{complaint_id}", headers=claims).status_code == 200


def test_the_filing_quota_counts_new_complaints_per_customer_only(intake, tokens):
    client, _app = intake
    first = file(client, tokens, key="a")
    file(client, tokens, key="b", subject="Another one")
    headers = {**bearer(tokens.client(tenant="acme")), "Idempotency-Key": "c"}

    over = client.post("/v1/complaints", json={**VALID, "subject": "Third"}, headers=headers)
    repeat = client.post("/v1/complaints", json=VALID,
                         headers={**headers, "Idempotency-Key": "a"})
    other_customer = client.post("/v1/complaints", headers=headers, json={
        **VALID, "customer": {"id": "cust-8"}})
    batch = client.post("/v1/complaints:batch", headers=bearer(tokens.client(tenant="acme")),
                        json={"items": [{"idempotency_key": "d", "submission": VALID}]})

    assert over.status_code == 429
    assert reason(over) == {
        "detail": "filing quota exceeded: at most 2 complaints per customer per day"}
    assert int(over.headers["Retry-After"]) > 0
    assert (repeat.status_code, repeat.json()["complaint_id"]) == (202, first)
    assert other_customer.status_code == 202
    assert batch.json()["results"] == [{"index": 0, "status": 429, "accepted": None, "errors": [{
        "loc": ["submission"], "type": "filing_quota_exceeded",
        "msg": "filing quota exceeded: at most 2 complaints per customer per day"}]}]
    # Another tenant's customer of the same id has their own quota.
    assert file(client, tokens, tenant="globex", key="a")


def test_only_a_channel_adapter_files_history(intake, tokens):
    client, app = intake
    history = {**VALID, "historical": True, "received_at": "2023-01-02T03:04:05Z"}
    agent = bearer(tokens.token("agent", tenant="acme", departments=["billing"]))

    refused = client.post("/v1/complaints", json=history, headers=agent)

    assert refused.status_code == 403
    assert reason(refused) == {
        "detail": "historical submissions are filed by channel adapters only"}
    assert app.recorder.select_notifications(None, 10) == []
    assert client.post("/v1/complaints", json=history,
                       headers=bearer(tokens.client(tenant="acme"))).status_code == 202


@pytest.mark.parametrize("field", ["tenant", "status", "department", "owner"])
def test_fields_the_caller_may_not_set_are_refused(intake, tokens, field):
    client, _app = intake
    answer = client.post("/v1/complaints", json={**VALID, field: "x"},
                         headers=bearer(tokens.client(tenant="acme")))
    assert answer.status_code == 422
    assert [(e["loc"], e["type"]) for e in answer.json()["errors"]] == [
        (["body", field], "extra_forbidden")]


def test_the_customer_tracks_with_the_tracking_token_alone(intake, tokens):
    client, _ = intake
    accepted = client.post("/v1/complaints", json=VALID,
                           headers=bearer(tokens.client(tenant="acme"))).json()
    answer = client.get(accepted["tracking_url"])
    assert (answer.status_code, answer.json()["status"]) == (200, "received")


def test_an_administrator_erases_customers_of_their_own_tenant_only(intake, tokens):
    client, app = intake
    ours = file(client, tokens, tenant="acme")
    theirs = file(client, tokens, tenant="globex")
    admin = bearer(tokens.token("administrator", tenant="acme"))

    answer = client.post("/v1/customers/cust-7/erasure", headers=admin,
                         json={"reason": "customer_request"})

    assert answer.json() == {"customer_id": "cust-7", "recorded": True}
    auditor_acme = bearer(tokens.token("auditor", tenant="acme"))
    auditor_globex = bearer(tokens.token("auditor", tenant="globex"))
    assert client.get(f"/v1/complaints/{ours}", headers=auditor_acme).json()["text"] == "[redacted]"
    assert app.disclose(app.get_complaint(uuid.UUID(ours))).erased is True
    assert app.disclose(app.get_complaint(uuid.UUID(theirs))).erased is False
    assert client.get(f"/v1/complaints/{theirs}", headers=auditor_globex).status_code == 200


def test_a_complaint_waiting_in_a_queue_belongs_to_that_queues_department(intake, tokens):
    client, app = intake
    complaint_id = file(client, tokens)
    raw = json.loads((SAMPLES / "complaint.queued.v1.json").read_text(encoding="utf-8"))
    raw.update(id=str(uuid.uuid4()), subject=complaint_id, tenant="acme")
    raw["data"].update(complaint_id=complaint_id, queue="billing-1", department="billing")
    waiting = parse(raw)
    Inbox(app=app, consumer="intake", handlers=SUBSCRIPTIONS[DISPATCH_EVENTS]).process(*waiting)

    billing = bearer(tokens.token("agent", tenant="acme", departments=["billing"]))
    assert client.get(f"/v1/complaints/{complaint_id}", headers=billing).status_code == 200
