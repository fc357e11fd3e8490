"""Who may see and work a case: scopes, tenants, departments and queues (a case the caller may
not see answers as a missing one), who acts, masked free text and the log of reads."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from runtime.auth.masking import REDACTED
from runtime.auth.pii_log import PiiAccessLog
from services.resolution.application import ResolutionApplication
from tests.auth_tokens import bearer
from tests.problems import reason
from tests.unit.resolution.conftest import DEPARTMENT, TENANT, TOKENS, as_
from tests.unit.resolution.walk import AGENT, ok, propose

MISSING = {"detail": "case not found"}
ROUTES = [  # every route on one case, with a body it would accept
    ("GET", "", None),
    ("POST", "/accept", None),
    ("POST", "/updates", {"text": "x", "visibility": "internal"}),
    ("POST", "/notes", {"text": "x"}),
    ("POST", "/notifications", {"channel": "email", "kind": "progress_update", "message": "x"}),
    ("POST", "/waiting", {"reason": "x"}),
    ("POST", "/customer-replies", {}),
    ("POST", "/conflicts", {"person": "p", "reason": "x"}),
    ("GET", "/evidence/e-1", None),
    ("POST", "/proposals", {"solution_id": "refund", "amount": "1.00"}),
    ("GET", "/proposals/p-1", None),
    ("POST", "/proposals/p-1/approvals", None),
    ("POST", "/proposals/p-1/rejection", {"reason": "x"}),
    ("POST", "/proposals/p-1/tasks", {"title": "t", "assignee": "a",
                                      "due_at": "2026-03-03T00:00:00Z"}),
    ("POST", "/proposals/p-1/tasks/t-1/completion", {"evidence_ids": ["e-1"]}),
    ("POST", "/proposals/p-1/execution", {}),
    ("POST", "/survey", {"channel": "email"}),
    ("POST", "/root-cause", {"category": "c", "why_chain": ["w"]}),
    ("POST", "/closure", {"exception_reason": "x", "root_cause_category": "c"}),
    ("POST", "/reopening", {"reason": "x"}),
]


def intruders() -> list[dict[str, str]]:
    mint = TOKENS.token
    return [
        bearer(mint("supervisor", tenant="globex", departments=[DEPARTMENT], sub="eve")),
        bearer(mint("supervisor", "auditor", tenant="globex", sub="eve")),
        bearer(mint("supervisor", tenant=TENANT, departments=["fraud-operations"], sub="mal")),
        bearer(mint("supervisor", tenant=TENANT, departments=[DEPARTMENT],
                    queues=["identity-theft"], sub="tre")),
        bearer(mint("supervisor", tenant=TENANT.upper(), departments=[DEPARTMENT], sub="osc")),
    ]


@pytest.mark.parametrize(("method", "suffix", "body"), ROUTES)
def test_a_case_the_caller_may_not_see_answers_as_a_missing_one(
    app: ResolutionApplication, client: TestClient, opened: str, pii_log: PiiAccessLog,
    method: str, suffix: str, body: dict | None,
) -> None:
    owner = as_("boss")
    missing = client.request(method, f"/v1/cases/no-such-case{suffix}", json=body,
                             headers=owner)
    assert (missing.status_code, reason(missing)) == (404, MISSING)
    for headers in intruders():
        answer = client.request(method, f"/v1/cases/{opened}{suffix}", json=body,
                                headers=headers)
        assert (answer.status_code, reason(answer)) == (404, MISSING)
    assert app.get_case(opened).version == 1
    assert pii_log.query(tenant=TENANT) == []


@pytest.mark.parametrize(("method", "suffix", "body"), ROUTES)
def test_no_token_is_401_and_a_role_without_the_scope_403(
    app: ResolutionApplication, client: TestClient, opened: str,
    method: str, suffix: str, body: dict | None,
) -> None:
    analyst = bearer(TOKENS.token("analyst", tenant=TENANT, departments=[DEPARTMENT]))
    path = f"/v1/cases/{opened}{suffix}"
    assert client.request(method, path, json=body,
                          headers={"Authorization": ""}).status_code == 401
    assert client.request(method, path, json=body, headers=analyst).status_code == 403
    if method == "POST":  # auditors read, never change
        auditor = bearer(TOKENS.token("auditor", tenant=TENANT))
        assert client.request(method, path, json=body, headers=auditor).status_code == 403
    assert app.get_case(opened).version == 1


def test_agents_read_notes_in_plaintext_and_the_read_is_logged_auditors_see_them_masked(
    client: TestClient, opened: str, pii_log: PiiAccessLog
) -> None:
    ok(client.post(f"/v1/cases/{opened}/notes", headers=as_(AGENT),
                   json={"text": "Customer Li Wei, 13812345678, was charged twice"}), 201)
    agent = bearer(TOKENS.token("agent", tenant=TENANT, departments=[DEPARTMENT], sub="al"))
    auditor = bearer(TOKENS.token("auditor", tenant=TENANT, sub="ann"))

    plain = client.get(f"/v1/cases/{opened}", headers=agent)
    masked = client.get(f"/v1/cases/{opened}", headers=auditor)

    assert [n["text"] for n in plain.json()["notes"]] == [
        "Customer Li Wei, 13812345678, was charged twice"]
    assert [n["text"] for n in masked.json()["notes"]] == [REDACTED]
    assert "13812345678" not in masked.text
    assert [(r.subject, r.complaint_id, r.fields) for r in pii_log.query(tenant=TENANT)] == [
        ("al", opened, ("notes",))]


def test_evidence_files_need_pii_read_and_each_read_is_logged(
    client: TestClient, opened: str, pii_log: PiiAccessLog
) -> None:
    uploaded = client.put(f"/v1/cases/{opened}/evidence", params={"filename": "id.png"},
                          content=b"\x89PNG....", headers={**as_(AGENT),
                                                           "content-type": "image/png"})
    evidence_id = ok(uploaded, 201).json()["evidence_id"]
    path = f"/v1/cases/{opened}/evidence/{evidence_id}"

    auditor = client.get(path, headers=bearer(TOKENS.token("auditor", tenant=TENANT)))
    agent = client.get(path, headers=bearer(TOKENS.token(
        "agent", tenant=TENANT, departments=[DEPARTMENT], sub="al")))

    assert auditor.status_code == 403
    assert (agent.status_code, agent.content) == (200, b"\x89PNG....")
    assert [(r.subject, r.fields) for r in pii_log.query(tenant=TENANT)] == [
        ("al", ("evidence",))]


def test_who_acts_is_the_tokens_subject_and_approvers_roles_are_the_tokens(
    app: ResolutionApplication, client: TestClient, opened: str
) -> None:
    ok(client.post(f"/v1/cases/{opened}/accept", headers=as_(AGENT)))
    spoofed = client.post(f"/v1/cases/{opened}/notes", headers=as_(AGENT),
                          json={"text": "x", "author": "someone-else"})
    pid = propose(client, opened)
    without_role = client.post(f"/v1/cases/{opened}/proposals/{pid}/approvals",
                               headers=as_("lead-1"))
    with_role = client.post(f"/v1/cases/{opened}/proposals/{pid}/approvals",
                            headers=as_("lead-1", "team_lead"))

    assert [(e["loc"], e["type"]) for e in spoofed.json()["errors"]] == [
        (["body", "author"], "extra_forbidden")]
    case = app.get_case(opened)
    assert case.handler == AGENT
    assert case.proposals[pid].proposed_by == AGENT
    assert without_role.status_code == 403
    assert with_role.status_code == 204
    assert [a["approver"] for a in case.proposals[pid].approvals] == ["lead-1"]


@pytest.mark.parametrize("field", ["status", "approved_amount", "tenant", "owner_queue"])
def test_a_proposal_cannot_set_what_the_proposer_may_not(
    client: TestClient, opened: str, field: str
) -> None:
    answer = client.post(f"/v1/cases/{opened}/proposals", headers=as_(AGENT),
                         json={"solution_id": "refund", "amount": "1.00", field: "x"})
    assert answer.status_code == 422
    assert [(e["loc"], e["type"]) for e in answer.json()["errors"]] == [
        (["body", field], "extra_forbidden")]


def test_the_library_and_templates_need_the_read_scope(client: TestClient) -> None:
    analyst = bearer(TOKENS.token("analyst", tenant=TENANT))
    for path in ("/v1/solutions", "/v1/approval-policy", "/v1/note-templates"):
        assert client.get(path).status_code == 200
        assert client.get(path, headers={"Authorization": ""}).status_code == 401
        assert client.get(path, headers=analyst).status_code == 403


def test_the_auditors_read_the_pii_log_of_their_tenant(
    client: TestClient, opened: str
) -> None:
    agent = bearer(TOKENS.token("agent", tenant=TENANT, departments=[DEPARTMENT], sub="al"))
    ok(client.post(f"/v1/cases/{opened}/notes", headers=agent, json={"text": "x"}), 201)
    client.get(f"/v1/cases/{opened}", headers=agent)
    auditor = bearer(TOKENS.token("auditor", tenant=TENANT))
    reads = client.get("/v1/audit/pii-access", headers=auditor).json()["reads"]
    assert [(r["subject"], r["complaint_id"], r["fields"]) for r in reads] == [
        ("al", opened, ["notes"])]
    assert client.get("/v1/audit/pii-access",
                      headers=bearer(TOKENS.token("auditor", tenant="globex"))).json() == {
        "tenant": "globex", "reads": []}
