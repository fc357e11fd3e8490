"""The auditors' read-only HTTP API: only auditors of the complaint's tenant, no write route."""

from __future__ import annotations

import shutil

import pytest

from audit.disclosure import masked
from tests.integration.audit.world import (
    TENANT,
    iso,
    run_verifier,
)
from tests.problems import reason

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("route", ["history", "state", "bundle"])
def test_api_answers_auditors_of_the_complaints_tenant_only(client, auditor_tokens, flow, route):
    path = f"/v1/audit/complaints/{flow.complaint_id}/{route}"
    unknown = client.get(f"/v1/audit/complaints/00000000-0000-4000-8000-000000000000/{route}")
    other_tenant = client.get(path, headers=auditor_tokens.headers("auditor", tenant="globex"))
    agent = client.get(path, headers=auditor_tokens.headers(
        "supervisor", tenant=TENANT, departments=["consumer-disputes"]))
    anonymous = client.get(path, headers={"Authorization": ""})

    assert (other_tenant.status_code, other_tenant.json()) == (unknown.status_code,
                                                               unknown.json())
    assert reason(unknown) == {"detail": "no service stored an event about this complaint"}
    assert (agent.status_code, anonymous.status_code) == (403, 401)


def test_api_reads_the_services_pii_access_logs_of_the_auditors_tenant(client, flow):
    from runtime.auth import Principal
    from runtime.auth.pii_log import PiiAccessLog

    reader = Principal(sub="al", tenant=TENANT, roles=frozenset(), scopes=frozenset())
    for service in ("intake", "resolution"):
        log = PiiAccessLog.from_url(flow.url(service))
        log.record(reader, complaint_id=flow.complaint_id, fields=[f"{service}-field"])
        log.close()

    reads = client.get("/v1/audit/pii-access", params={"subject": "al"}).json()

    assert reads["tenant"] == TENANT
    assert sorted(r["fields"][0] for r in reads["reads"]) == ["intake-field", "resolution-field"]
    assert {r["complaint_id"] for r in reads["reads"]} == {flow.complaint_id}


def test_api_history(client, trail, flow):
    response = client.get(f"/v1/audit/complaints/{flow.complaint_id}/history")
    assert response.status_code == 200
    assert response.json() == {
        "complaint_id": flow.complaint_id,
        # The auditor holds no pii:read: personal values are masked, as the services mask them.
        "events": [masked(e).model_dump(mode="json") for e in trail.history(flow.complaint_id)],
        # The flow runs neither notify nor work: the answer says their records are missing.
        "missing_services": ["notify", "work"],
    }


def test_api_state_as_of(client, trail, flow):
    response = client.get(f"/v1/audit/complaints/{flow.complaint_id}/state",
                          params={"at": iso(flow.after_intake)})
    assert response.status_code == 200
    assert response.json() == trail.state_as_of(flow.complaint_id, flow.after_intake)
    assert response.json()["status"] == "received"


def test_api_state_without_instant_is_now(client, flow):
    response = client.get(f"/v1/audit/complaints/{flow.complaint_id}/state")
    assert (response.status_code, response.json()["status"]) == (200, "assigned")


def test_api_state_refuses_an_instant_without_zone(client, flow):
    response = client.get(f"/v1/audit/complaints/{flow.complaint_id}/state",
                          params={"at": "2026-01-01T00:00:00"})
    assert response.status_code == 422


def test_api_bundle_is_a_zip_that_verifies(client, flow, tmp_path):
    response = client.get(f"/v1/audit/complaints/{flow.complaint_id}/bundle")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/zip"
    assert response.headers["content-disposition"] == (
        f'attachment; filename="audit-{flow.complaint_id}.zip"'
    )
    (tmp_path / "b.zip").write_bytes(response.content)
    shutil.unpack_archive(tmp_path / "b.zip", tmp_path)
    verified = run_verifier(tmp_path / f"audit-{flow.complaint_id}")
    assert (verified.returncode, verified.stdout) == (0, "OK\n")


@pytest.mark.parametrize("route", ["history", "state", "bundle"])
def test_api_unknown_complaint_is_404(client, route):
    response = client.get(f"/v1/audit/complaints/00000000-0000-4000-8000-000000000000/{route}")
    assert response.status_code == 404


def test_api_has_no_write_route(client):
    methods = {
        method for path in client.app.openapi()["paths"].values() for method in path
    }
    assert methods == {"get"}
    assert client.post("/v1/audit/complaints/x/history").status_code == 405


def test_api_is_ready_when_every_store_answers(client):
    response = client.get("/readyz")
    assert response.json() == {"ready": True, "checks": {
        "started": True, "intake_store": True, "dispatch_store": True, "sla_store": True,
        "resolution_store": True,
    }}
