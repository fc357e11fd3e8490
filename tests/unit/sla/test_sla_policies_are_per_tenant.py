"""Issue #13, point 4 (SLA side): each tenant's clocks follow its own policy. The tenants file
names a tenant's policy by id (a file in the policies folder); a tenant naming none runs the
default policy, and a tenant naming a policy no file declares stops the load."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
import yaml
from fastapi.testclient import TestClient

from runtime.eventstore import persistence_env
from services.sla import api
from services.sla.application import SlaApplication
from services.sla.catalog import (
    DEFAULT_CALENDAR_DIR,
    DEFAULT_POLICY_FILE,
    Catalog,
    load_catalog,
    read_documents,
)
from tests.auth_tokens import Tokens, bearer
from tests.problems import reason
from tests.unit.sla.conftest import SOURCE, T0, fact

FAST = {
    "policy_id": "globex-fast", "version": "g1",
    "tiers": {
        "P1": {"calendar": "24x7", "targets": {"first_response": {"within": "10m"}}},
        "P2": {"calendar": "24x7", "targets": {"first_response": {"within": "30m"}}},
        "P3": {"calendar": "24x7", "targets": {"first_response": {"within": "1h"}}},
    },
}


def files(tmp_path: Path, globex: dict) -> tuple[Path, Path]:
    """A policies folder with globex's own policy, and a tenants file naming it."""
    policies = tmp_path / "policies"
    policies.mkdir()
    (policies / "globex-fast.yaml").write_text(yaml.safe_dump(FAST), encoding="utf-8")
    tenants = tmp_path / "tenants.yaml"
    tenants.write_text(yaml.safe_dump({"version": "t1", "tenants": {
        "default": {"jurisdiction": "CN", "industry": "retail"},
        "globex": globex,
    }}), encoding="utf-8")
    return policies, tenants


@pytest.fixture
def app(tmp_path: Path, clock) -> SlaApplication:
    policies, tenants = files(tmp_path, {"jurisdiction": "GB", "industry": "retail",
                                         "policy": "globex-fast"})
    app = SlaApplication(env=persistence_env(f"sqlite:///{tmp_path}/sla.sqlite"),
                         catalog=Catalog(), time=clock, source=SOURCE)
    app.put_in_force(read_documents(DEFAULT_POLICY_FILE, [DEFAULT_CALENDAR_DIR], tenants,
                                    policies))
    yield app
    app.close()


def test_each_tenants_clocks_follow_its_own_policy(app: SlaApplication):
    app.record(fact("received", T0, complaint_id="g-1", tenant="globex"))
    app.record(fact("received", T0, complaint_id="d-1", tenant="default"))
    app.record(fact("received", T0, complaint_id="x-1", tenant="initech"))  # not declared

    clocks = {cid: app.get_sla(cid).clocks["first_response"] for cid in ("g-1", "d-1", "x-1")}
    assert {cid: (c.policy_id, c.policy_version, c.calendar_id) for cid, c in clocks.items()} == {
        "g-1": ("globex-fast", "g1", "24x7"),
        "d-1": ("default", "1.1", "cn-mainland"),
        "x-1": ("default", "1.1", "cn-mainland"),
    }
    assert clocks["g-1"].deadline_at == T0 + timedelta(hours=1)
    assert sorted(app.get_sla("g-1").clocks) == ["first_response"]  # no progress clock


def test_a_rebase_moves_a_tenants_clocks_onto_its_own_policy_only(app: SlaApplication):
    app.record(fact("received", T0, complaint_id="g-1", tenant="globex"))

    app.rebase("g-1", actor="admin", reason="check")

    assert app.get_sla("g-1").clocks["first_response"].policy_id == "globex-fast"


def test_a_tenant_naming_a_policy_no_file_declares_stops_the_load(tmp_path: Path):
    policies, tenants = files(tmp_path, {"jurisdiction": "GB", "industry": "retail",
                                         "policy": "globex-slow"})

    with pytest.raises(ValueError, match="tenant 'globex' names policy 'globex-slow', which no "
                       "policy file declares"):
        load_catalog(DEFAULT_POLICY_FILE, [DEFAULT_CALENDAR_DIR], tenants, policies)


def test_each_tenant_reads_the_policy_its_clocks_start_under(app: SlaApplication,
                                                             tokens: Tokens):
    client = TestClient(tokens.app(api.build_router(app, on_saved=lambda: None,
                                                    reload=lambda: [], tenant="default")))

    def active(tenant: str):
        return client.get("/v1/policies/active",
                          headers=bearer(tokens.token("administrator", tenant=tenant)))

    assert active("globex").json()["policy_id"] == "globex-fast"
    assert active("default").json()["policy_id"] == "default"
    assert (active("initech").status_code, reason(active("initech"))) == (
        404, {"detail": "policy not found"})


def test_the_default_policy_is_the_policy_files_even_beside_one_of_the_same_id(tmp_path: Path):
    policies, tenants = files(tmp_path, {"jurisdiction": "GB", "industry": "retail",
                                         "policy": "globex-fast"})
    (policies / "default.yaml").write_text(DEFAULT_POLICY_FILE.read_text(encoding="utf-8"),
                                           encoding="utf-8")
    edited = yaml.safe_load(DEFAULT_POLICY_FILE.read_text(encoding="utf-8"))
    (tmp_path / "edited.yaml").write_text(yaml.safe_dump({**edited, "version": "9"}),
                                          encoding="utf-8")

    catalog = load_catalog(tmp_path / "edited.yaml", [DEFAULT_CALENDAR_DIR], tenants, policies)

    assert (catalog.active_policy("default").version, catalog.active_policies) == (
        "9", {"default": "9", "globex-fast": "g1"})
