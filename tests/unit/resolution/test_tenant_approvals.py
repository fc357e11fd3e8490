"""Each tenant's proposals follow its own approval policy; a tenant without one is refused,
never decided by the deployment's chain (#13, point 4)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from contracts.resolution import ResolutionKind
from runtime.eventstore import persistence_env
from runtime.vault import KeyVault
from services.resolution.application import ResolutionApplication
from services.resolution.config import PACKAGE
from services.resolution.evidence_store import EvidenceStore
from services.resolution.personal import PersonalData
from services.resolution.policy_files import NoApprovalPolicy, Policies
from tests.unit.resolution.conftest import COMPLAINT_ID

HOME = "bank-cn"
OTHER = "globex"
POLICY = yaml.safe_load((PACKAGE / "approval_policy.yaml").read_text(encoding="utf-8"))


def tenants_dir(tmp_path: Path) -> Path:
    """A folder for OTHER whose refunds need finance from the first yuan."""
    folder = tmp_path / "tenants" / OTHER
    folder.mkdir(parents=True)
    own = {**POLICY, "rules": {**POLICY["rules"], "refund": [{"role": "finance"}]}}
    (folder / "approval_policy.yaml").write_text(yaml.safe_dump(own), encoding="utf-8")
    return tmp_path / "tenants"


def application(tmp_path: Path, tenants: Path | None) -> ResolutionApplication:
    store = f"sqlite:///{tmp_path}/resolution.sqlite"
    return ResolutionApplication(
        env=persistence_env(store),
        policies=Policies.from_paths(PACKAGE / "approval_policy.yaml",
                                     PACKAGE / "solutions.yaml", home=HOME, tenants_dir=tenants),
        evidence=EvidenceStore(tmp_path / "evidence"),
        personal=PersonalData(KeyVault.from_url(store)),
    )


def opened_for(app: ResolutionApplication, tenant: str, complaint_id: str) -> str:
    app.open_case(complaint_id=complaint_id, tenant=tenant, owner_queue="disputes",
                  owner_agent_id="agent-0142", department="consumer-disputes")
    return complaint_id


def refund_chain(app: ResolutionApplication, complaint_id: str) -> tuple[str, ...]:
    proposal_id = app.propose(complaint_id=complaint_id, solution_id="refund",
                              amount=Decimal("10.00"), currency="CNY", description=None,
                              by="agent-0142")
    return tuple(app.get_case(complaint_id).proposals[proposal_id].chain)


def test_each_tenant_proposes_under_its_own_approval_policy(tmp_path: Path) -> None:
    app = application(tmp_path, tenants_dir(tmp_path))
    home = opened_for(app, HOME, COMPLAINT_ID)
    other = opened_for(app, OTHER, "7b1c2d3e-0000-4000-8000-000000000002")

    assert (refund_chain(app, home), refund_chain(app, other)) == (("team_lead",), ("finance",))
    assert app.policies.tenants == frozenset({HOME, OTHER})
    app.close()


def test_a_tenant_without_a_policy_has_its_proposals_refused(tmp_path: Path) -> None:
    app = application(tmp_path, None)
    other = opened_for(app, OTHER, COMPLAINT_ID)

    with pytest.raises(NoApprovalPolicy, match="tenant globex has no approval policy"):
        refund_chain(app, other)
    assert app.get_case(other).proposals == {}
    app.close()


def test_a_tenant_folder_without_its_policy_file_stops_the_start(tmp_path: Path) -> None:
    (tmp_path / "tenants" / OTHER).mkdir(parents=True)

    with pytest.raises(ValueError, match=r"tenant 'globex': approval_policy\.yaml is missing"):
        application(tmp_path, tmp_path / "tenants")


def test_the_shipped_policy_is_the_home_tenants(tmp_path: Path) -> None:
    app = application(tmp_path, None)

    assert app.policies.approval(HOME).chain_for(
        ResolutionKind.REFUND, Decimal("1000.00"), "CNY") == ("team_lead", "finance")
    app.close()
