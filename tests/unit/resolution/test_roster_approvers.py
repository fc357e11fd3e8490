"""The roster's team leads, with a token from the dev issuer's CLI, approve what the policy
asks a team lead to approve; finance takes the next step."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from runtime.auth.issuer import main as issuer
from services.dispatch.roster import parse_roster
from services.resolution.application import ResolutionApplication
from tests.auth_tokens import bearer
from tests.unit.resolution.conftest import COMPLAINT_ID, TENANT, TOKENS, sample

ROSTER_FILE = Path(__file__).resolve().parents[3] / "services/dispatch/rules/roster.yaml"
ROSTER = parse_roster(ROSTER_FILE.read_bytes(), source=str(ROSTER_FILE))
AGENT = "agent-0142"


def minted(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, str]:
    """Headers with a token from `python -m runtime.auth.issuer mint ...`."""
    assert issuer(["--dir", str(TOKENS.directory), "mint", "--tenant", TENANT, *args]) == 0
    return {"Authorization": f"Bearer {capsys.readouterr().out.strip()}"}


@pytest.mark.parametrize("department", sorted(ROSTER.departments))
def test_the_rosters_team_lead_approves_the_team_lead_step(
    app: ResolutionApplication, inbox, client: TestClient, capsys, department: str
) -> None:
    inbox.process(*sample("complaint.assigned.v1", department=department))
    agent = bearer(TOKENS.token("agent", tenant=TENANT, sub=AGENT, departments=[department]))
    case = f"/v1/cases/{COMPLAINT_ID}"
    assert client.post(f"{case}/accept", headers=agent).status_code == 204
    proposed = client.post(f"{case}/proposals", headers=agent,
                           json={"solution_id": "refund", "amount": "1500.00"})
    pid = proposed.json()["id"]
    lead = ROSTER.departments[department].team_lead

    by_lead = client.post(f"{case}/proposals/{pid}/approvals", headers=minted(
        capsys, "--role", "team_lead", "--department", department, "--sub", lead))
    by_finance = client.post(f"{case}/proposals/{pid}/approvals", headers=minted(
        capsys, "--role", "finance", "--department", department, "--sub", "fin-1"))

    assert (proposed.status_code, by_lead.status_code, by_finance.status_code) == (201, 204, 204)
    proposal = app.get_case(COMPLAINT_ID).proposals[pid]
    assert [(a["approver"], a["role"]) for a in proposal.approvals] == [
        (lead, "team_lead"), ("fin-1", "finance")]
    assert proposal.status == "approved"
