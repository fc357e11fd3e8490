"""Drives a case through the HTTP API, step by step, as agents and approvers would."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.unit.resolution.conftest import as_

AGENT = "agent-0142"


def ok(response, status: int = 204):
    assert response.status_code == status, response.text
    return response


def propose(client: TestClient, cid: str, solution_id: str = "refund",
            amount: str | None = "300.00", by: str = AGENT, description: str | None = None) -> str:
    body = {"solution_id": solution_id, "amount": amount, "description": description}
    return ok(client.post(f"/v1/cases/{cid}/proposals", headers=as_(by), json=body),
              201).json()["id"]


def approve(client: TestClient, cid: str, pid: str, who: str = "lead-1", *roles: str):
    return client.post(f"/v1/cases/{cid}/proposals/{pid}/approvals",
                       headers=as_(who, *(roles or ("team_lead",))))


def resolve(client: TestClient, cid: str, *, note: str = "The card was charged twice",
            solution_id: str = "refund", amount: str | None = "300.00",
            description: str | None = None, category: str = "payment_retry",
            whys: tuple[str, ...] = ("The gateway retried the capture",)) -> str:
    """Accept, note, propose, approve, execute, record the root cause, tell the customer."""
    ok(client.post(f"/v1/cases/{cid}/accept", headers=as_(AGENT)))
    ok(client.post(f"/v1/cases/{cid}/notes", headers=as_(AGENT), json={"text": note}), 201)
    pid = propose(client, cid, solution_id, amount, description=description)
    if client.get(f"/v1/cases/{cid}/proposals/{pid}").json()["status"] == "pending_approval":
        ok(approve(client, cid, pid))
    ok(client.post(f"/v1/cases/{cid}/proposals/{pid}/execution", headers=as_(AGENT), json={}))
    ok(client.post(f"/v1/cases/{cid}/root-cause", headers=as_(AGENT),
                   json={"category": category, "why_chain": list(whys)}))
    ok(client.post(f"/v1/cases/{cid}/notifications", headers=as_(AGENT),
                   json={"channel": "email", "kind": "resolution", "message": "Done"}))
    return pid


def survey_token(client: TestClient, cid: str) -> str:
    issued = ok(client.post(f"/v1/cases/{cid}/survey", headers=as_(AGENT),
                            json={"channel": "email"}), 201).json()
    return issued["link"].rsplit("/", 1)[1]
