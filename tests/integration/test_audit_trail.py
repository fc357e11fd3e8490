"""Replay for auditors, on the services' real event stores and handlers, wired by their own
bootstraps: one complaint flows intake -> dispatch and sla -> resolution, each fed what the one
before it published, then is replayed from the stores (SQLite files, or PostgreSQL)."""

from __future__ import annotations

import json
import os
import runpy
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from audit.bootstrap import bootstrap
from audit.bundle import export
from audit.config import AuditSettings
from audit.history import AuditTrail, UnknownComplaint
from audit.stores import SERVICES, StoreMissing, close_stores, open_stores
from contracts.envelope import Envelope
from contracts.topics import DISPATCH_EVENTS, INBOUND, INTAKE_EVENTS
from deploy.local.support import free_ports, port_open
from runtime import chain
from runtime.sealing import digest as sealing_digest
from runtime.sealing import open_factory
from runtime.service import ServiceRuntime
from services.dispatch.bootstrap import bootstrap as dispatch_bootstrap
from services.dispatch.config import DispatchSettings
from services.intake.bootstrap import bootstrap as intake_bootstrap
from services.intake.config import IntakeSettings
from services.resolution import metrics as resolution_metrics
from services.resolution.bootstrap import bootstrap as resolution_bootstrap
from services.resolution.config import ResolutionSettings
from services.sla.bootstrap import bootstrap as sla_bootstrap
from services.sla.config import SlaSettings
from tests.auth_tokens import Tokens
from tests.integration.event_stores import RogueAdmin, fresh_postgres_database
from tests.integration.platform_world import deliver, published

pytestmark = pytest.mark.integration

SUBMITTED = Path(__file__).resolve().parents[2] / "contracts/samples/complaint.submitted.v1.json"
TENANT = "experian-us"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
APPS = {service.name: service.application for service in SERVICES}


@dataclass
class Flow:
    """Where the stores are, the complaint, and instants before and after each step."""

    data_dir: Path
    database_url: str  # "" for a SQLite file per service in data_dir
    complaint_id: str = ""
    before: datetime = EPOCH
    after_intake: datetime = EPOCH
    after_dispatch: datetime = EPOCH
    after_sla: datetime = EPOCH
    after_resolution: datetime = EPOCH

    def url(self, service: str) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / service}.sqlite"

    def env(self) -> dict[str, str]:
        """The environment a service (or the audit CLI) reads its store URL from."""
        return {"DATA_DIR": str(self.data_dir), "DATABASE_URL": self.database_url,
                "TENANT": TENANT}


def runtimes(flow: Flow) -> dict[str, ServiceRuntime]:
    """Each service as its own bootstrap wires it (application, translator, subscriptions)."""
    return {
        name: bootstrap_of(settings(data_dir=flow.data_dir, database_url=flow.database_url,
                                    tenant=TENANT))[1]
        for name, bootstrap_of, settings in [
            ("intake", intake_bootstrap, IntakeSettings),
            ("dispatch", dispatch_bootstrap, DispatchSettings),
            ("sla", sla_bootstrap, SlaSettings),
            ("resolution", resolution_bootstrap, ResolutionSettings),
        ]
    }


def flow_one_complaint(flow: Flow) -> Flow:
    """Each service handles, through its subscriptions, what the one before it published."""
    services = runtimes(flow)
    flow.before = datetime.now(UTC)
    deliver(services["intake"], INBOUND, [Envelope.model_validate_json(SUBMITTED.read_text())])
    flow.after_intake = datetime.now(UTC)
    intake_events = published(services["intake"])
    deliver(services["dispatch"], INTAKE_EVENTS, intake_events)
    flow.after_dispatch = datetime.now(UTC)
    deliver(services["sla"], INTAKE_EVENTS, intake_events)
    flow.after_sla = datetime.now(UTC)
    deliver(services["resolution"], DISPATCH_EVENTS, published(services["dispatch"]))
    flow.after_resolution = datetime.now(UTC)
    resolution_metrics.uninstall()  # its collector would read the store closed below
    for service in services.values():
        service.app.close()
    flow.complaint_id = intake_events[0].subject
    return flow


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def flow(request, tmp_path_factory) -> Iterator[Flow]:
    """The same scenario on a SQLite file per service, or on one PostgreSQL database."""
    data_dir = tmp_path_factory.mktemp("stores")
    if request.param == "sqlite":
        yield flow_one_complaint(Flow(data_dir, ""))
        return
    with fresh_postgres_database(request.getfixturevalue("postgres_url")) as database_url:
        yield flow_one_complaint(Flow(data_dir, database_url))


@pytest.fixture(scope="module")
def auditor_tokens(tmp_path_factory) -> Tokens:
    return Tokens(tmp_path_factory.mktemp("auth"))


@pytest.fixture(scope="module")
def settings(flow, auditor_tokens) -> AuditSettings:
    # database_url="" so that a DATABASE_URL in the environment cannot redirect the test.
    return AuditSettings(data_dir=flow.data_dir, database_url=flow.database_url, tenant=TENANT,
                         **auditor_tokens.settings)


@pytest.fixture(scope="module")
def trail(settings):
    stores = open_stores(settings)
    yield AuditTrail(stores)
    close_stores(stores)


TYPES = [
    "complaint.received.v1", "complaint.classified.v1", "complaint.assigned.v1",
    "sla.clock_started.v1", "sla.clock_started.v1", "resolution.case_opened.v1",
]


def test_history_is_every_services_events_in_order(trail, flow):
    history = trail.history(flow.complaint_id)
    assert [e.type for e in history] == TYPES
    assert [e.source for e in history] == [
        "/services/intake", "/services/intake", "/services/dispatch", "/services/sla",
        "/services/sla", "/services/resolution",
    ]
    assert {e.subject for e in history} == {flow.complaint_id}
    assert [e.time for e in history] == sorted(e.time for e in history)
    # Each effect names the event that caused it.
    received, classified, assigned, *started, opened = history
    assert (assigned.causationid, opened.causationid) == (classified.id, assigned.id)
    assert {e.causationid for e in started} <= {received.id, classified.id}


def test_history_is_exactly_what_the_services_published(trail, flow):
    services = runtimes(flow)
    try:
        published_by = [e for name in ("intake", "dispatch", "sla", "resolution")
                        for e in published(services[name]) if e.subject == flow.complaint_id]
    finally:
        for service in services.values():
            service.app.close()
    assert trail.history(flow.complaint_id) == published_by


def test_history_envelopes_are_the_published_ones(trail, flow):
    received = trail.history(flow.complaint_id)[0]
    assert received.data["customer_id"] == "cust-958-20417"
    # Personal data stays as stored: sealed, never opened by the audit trail.
    assert received.data["customer_name"].startswith("pii:v1:")


def test_unknown_complaint(trail):
    with pytest.raises(UnknownComplaint):
        trail.history("00000000-0000-4000-8000-000000000000")


def last(envelope: Envelope) -> dict:
    return {"id": str(envelope.id), "type": envelope.type, "source": envelope.source,
            "time": iso(envelope.time), "sequence": envelope.sequence}


def iso(instant: datetime) -> str:
    return instant.isoformat().replace("+00:00", "Z")


def test_state_as_of_before_and_after_each_step(trail, flow):
    received, classified, assigned, *started, opened = trail.history(flow.complaint_id)
    at = {
        "before": flow.before, "intake": flow.after_intake, "dispatch": flow.after_dispatch,
        "sla": flow.after_sla, "resolution": flow.after_resolution,
    }
    states = {step: trail.state_as_of(flow.complaint_id, instant) for step, instant in at.items()}
    empty = {
        "complaint_id": flow.complaint_id, "as_of": iso(flow.before), "status": None,
        "channel": None, "customer_id": None, "personal_data_erased_at": None,
        "customer_tier": None, "region": None,
        "historical": None, "received_at": None, "category": None, "severity": None,
        "duplicate_of": None, "recorded_outcome": None, "owner": None, "transfers": 0,
        "collaborators": [], "sla": {},
        "escalation_level": None, "case_id": None, "investigator": None,
        "first_response_at": None, "waiting_on_customer_since": None, "notes": 0,
        "progress_updates": 0, "evidence": 0, "recused": [], "refused_actions": 0,
        "proposal": None, "tasks": {}, "customer_notifications": 0, "csat": None, "nps": None,
        "closed_by": None, "root_cause_category": None, "reopen_count": 0, "event_count": 0,
        "last_event": None,
    }
    assert states["before"] == empty
    after_intake = {
        **empty, "as_of": iso(flow.after_intake), "status": "received", "channel": "web",
        "customer_id": "cust-958-20417", "customer_tier": "standard", "region": "CA",
        "historical": False, "received_at": received.data["received_at"],
        "category": classified.data["category"], "severity": classified.data["severity"],
        "event_count": 2, "last_event": last(classified),
    }
    assert states["intake"] == after_intake
    after_dispatch = {
        **after_intake, "as_of": iso(flow.after_dispatch), "status": "assigned",
        "owner": {key: assigned.data[key] for key in ("queue", "department", "agent_id")},
        "event_count": 3, "last_event": last(assigned),
    }
    assert states["dispatch"] == after_dispatch
    clocks = {
        clock.data["target"]: {
            **{key: clock.data[key] for key in (
                "clock_id", "severity", "policy_id", "policy_version", "started_at", "warn_at",
                "deadline_at",
            )},
            "status": "running", "rebased": 0, "warned": False, "breached_at": None,
            "stopped_at": None, "met": None,
        }
        for clock in started
    }
    assert len(clocks) == len(started)  # one clock per target; which ones is the SLA's policy
    after_sla = {
        **after_dispatch, "as_of": iso(flow.after_sla), "sla": clocks,
        "event_count": 3 + len(started), "last_event": last(started[-1]),
    }
    assert states["sla"] == after_sla
    assert states["resolution"] == {
        **after_sla, "as_of": iso(flow.after_resolution), "status": "case_opened",
        "case_id": opened.data["case_id"], "event_count": 4 + len(started),
        "last_event": last(opened),
    }


def test_state_at_the_exact_instant_of_an_event_includes_it(trail, flow):
    assigned = trail.history(flow.complaint_id)[2]
    just_before = assigned.time - timedelta(microseconds=1)
    assert trail.state_as_of(flow.complaint_id, just_before)["status"] == "received"
    assert trail.state_as_of(flow.complaint_id, assigned.time)["status"] == "assigned"


def test_state_needs_a_time_zone(trail, flow):
    with pytest.raises(ValueError, match="time zone"):
        trail.state_as_of(flow.complaint_id, datetime(2026, 1, 1))


def test_stores_are_opened_read_only(settings, flow):
    stores = open_stores(settings)
    try:
        intake = stores[0]
        with (pytest.raises(Exception, match=r"read-?only"),
              intake.app.recorder.datastore.transaction(commit=True) as c):
            c.execute("CREATE TABLE intruder (x INTEGER)")
    finally:
        close_stores(stores)


def test_a_missing_store_is_named(tmp_path):
    with pytest.raises(StoreMissing, match=str(tmp_path / "intake.sqlite")):
        open_stores(AuditSettings(data_dir=tmp_path, database_url=""))
    assert list(tmp_path.iterdir()) == []


@pytest.fixture(scope="module")
def bundle_dir(trail, flow, tmp_path_factory) -> Path:
    return export(trail, flow.complaint_id, tmp_path_factory.mktemp("export") / "bundle")


def run_verifier(bundle: Path, *flags: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *flags, "audit_verify.py"], cwd=bundle, capture_output=True, text=True,
        timeout=60,
    )


def tampered(bundle: Path, tmp_path: Path, name: str, line: int, field: str) -> Path:
    """A copy of the bundle with one byte changed: the first of a field's value on a line."""
    copy = tmp_path / "tampered"
    shutil.copytree(bundle, copy)
    path = copy / name
    content = bytearray(path.read_bytes())
    start = sum(len(x) + 1 for x in content.split(b"\n")[: line - 1])
    at = content.index(f'"{field}":'.encode(), start) + len(field) + 3
    at += content[at] == ord('"')
    content[at] = {ord("9"): ord("8"), ord("A"): ord("B")}.get(content[at], ord("9"))
    path.write_bytes(bytes(content))
    return copy


def bundled(bundle: Path, name: str) -> list[dict]:
    return [json.loads(x) for x in (bundle / name).read_text().splitlines()]


def test_bundle_holds_the_complaints_events_raw_and_as_published(bundle_dir, trail, flow):
    lines = [json.loads(x) for x in (bundle_dir / "events.jsonl").read_text().splitlines()]
    history = trail.history(flow.complaint_id)
    assert [x["envelope"] for x in lines] == [e.model_dump(mode="json") for e in history]
    assert [x["service"] for x in lines] == [
        "intake", "intake", "dispatch", "sla", "sla", "resolution"
    ]
    digest = json.loads((bundle_dir / "digest.json").read_text())
    assert sorted(digest["heads"]) == ["dispatch", "intake", "resolution", "sla"]
    for service, head in digest["heads"].items():
        chain = [json.loads(x) for x in (bundle_dir / service / "chain.jsonl").read_text()
                 .splitlines()]
        assert (chain[-1]["position"], chain[-1]["entry_hash"]) == (
            head["position"], head["entry_hash"]
        )
        assert chain[0]["position"] == min(x["position"] for x in lines if x["service"] == service)


def test_bundle_head_is_the_stores_own_digest(bundle_dir, flow):
    digest = json.loads((bundle_dir / "digest.json").read_text())
    for service in ("intake", "dispatch", "sla", "resolution"):
        factory = open_factory(flow.url(service), APPS[service].name)
        try:
            live = sealing_digest(factory.process_recorder(), service=service)
        finally:
            factory.close()
        assert digest["heads"][service] == live


def test_bundle_verifies_with_the_standard_library_alone(bundle_dir):
    # -S -E: no site-packages and no PYTHONPATH, so nothing of the platform is importable.
    result = run_verifier(bundle_dir, "-S", "-E")
    assert (result.returncode, result.stdout, result.stderr) == (0, "OK\n", "")


def test_bundle_verifies(bundle_dir):
    result = run_verifier(bundle_dir)
    assert (result.returncode, result.stdout) == (0, "OK\n")


def test_verifier_ships_the_platforms_hash_arithmetic(bundle_dir):
    assert (bundle_dir / "hashchain.py").read_bytes() == Path(chain.__file__).read_bytes()
    hashchain = runpy.run_path(str(bundle_dir / "hashchain.py"))
    args = (7, "4f3c2a8e-3b7d-4a52-9a0e-0c5d3e2f7b10", 3, "services.sla.domain:SlaClock.Started",
            b'{"a":"\xc3\xa9"}')
    assert hashchain["event_hash"](*args) == chain.event_hash(*args)
    assert hashchain["link"](chain.GENESIS, "ab" * 32) == chain.link(chain.GENESIS, "ab" * 32)


@pytest.mark.parametrize(
    ("line", "field", "reason"),
    [
        (1, "state", "not the event its chain sealed"),
        (2, "topic", "not the event its chain sealed"),
        (3, "originator_version", "not the event its chain sealed"),
        (4, "position", "no chain entry seals it"),
        (4, "source", "the line differs from the export"),
    ],
)
def test_one_changed_byte_of_events_fails_naming_the_line(bundle_dir, tmp_path, line, field,
                                                          reason):
    event = bundled(bundle_dir, "events.jsonl")[line - 1]
    changed = tampered(bundle_dir, tmp_path, "events.jsonl", line, field)
    position = bundled(changed, "events.jsonl")[line - 1]["position"]
    assert position == event["position"] or field == "position"
    result = run_verifier(changed)
    assert (result.returncode, result.stdout) == (
        1, f"FAIL events.jsonl:{line}: position {position} ({event['service']}): {reason}\n"
    )


@pytest.mark.parametrize(
    ("line", "field", "reason"),
    [
        (1, "event_hash", "does not link to the entry before it"),
        (2, "entry_hash", "does not link to the entry before it"),
        (1, "position", "the chain should start at position {original}"),
        (3, "position", "the line differs from the export"),
    ],
)
def test_one_changed_byte_of_a_chain_fails_naming_the_line(bundle_dir, tmp_path, line, field,
                                                           reason):
    original = bundled(bundle_dir, "intake/chain.jsonl")[line - 1]["position"]
    changed = tampered(bundle_dir, tmp_path, "intake/chain.jsonl", line, field)
    position = bundled(changed, "intake/chain.jsonl")[line - 1]["position"]
    result = run_verifier(changed)
    assert (result.returncode, result.stdout) == (
        1, f"FAIL intake/chain.jsonl:{line}: position {position} (intake): "
        f"{reason.format(original=original)}\n"
    )


def test_a_removed_chain_entry_fails_where_the_link_breaks(bundle_dir, tmp_path):
    copy = tmp_path / "cut"
    shutil.copytree(bundle_dir, copy)
    path = copy / "intake" / "chain.jsonl"
    entries = path.read_bytes().splitlines(keepends=True)
    path.write_bytes(b"".join(entries[:1] + entries[2:]))
    third = json.loads(entries[2])["position"]
    result = run_verifier(copy)
    assert (result.returncode, result.stdout) == (
        1, f"FAIL intake/chain.jsonl:2: position {third} (intake): "
        "does not link to the entry before it\n"
    )


def test_a_removed_last_event_line_fails(bundle_dir, tmp_path):
    copy = tmp_path / "cut"
    shutil.copytree(bundle_dir, copy)
    path = copy / "events.jsonl"
    kept = path.read_bytes().splitlines(keepends=True)[:-1]
    path.write_bytes(b"".join(kept))
    result = run_verifier(copy)
    assert (result.returncode, result.stdout) == (
        1, f"FAIL events.jsonl: {len(kept)} lines, digest.json lists {len(kept) + 1}\n"
    )


REPO = Path(__file__).resolve().parents[2]


def cli(flow: Flow, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, **flow.env()}
    return subprocess.run(
        [sys.executable, "-m", "audit", *args], cwd=REPO, env=env, capture_output=True,
        text=True, timeout=120,
    )


def test_cli_history_prints_one_envelope_per_line(flow, trail):
    result = cli(flow, "history", flow.complaint_id)
    assert result.returncode == 0, result.stderr
    printed = [Envelope.model_validate_json(line) for line in result.stdout.splitlines()]
    assert printed == trail.history(flow.complaint_id)


def test_cli_state_at_an_instant(flow, trail):
    result = cli(flow, "state", flow.complaint_id, "--at", iso(flow.after_dispatch))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == trail.state_as_of(flow.complaint_id, flow.after_dispatch)


def test_cli_state_refuses_an_instant_without_zone(flow):
    result = cli(flow, "state", flow.complaint_id, "--at", "2026-01-01T00:00:00")
    assert result.returncode == 2
    assert "has no time zone" in result.stderr


def test_cli_export_zip_verifies_after_unpacking(flow, tmp_path):
    out = tmp_path / "bundle.zip"
    result = cli(flow, "export", flow.complaint_id, "--out", str(out))
    assert (result.returncode, result.stdout) == (0, f"{out}\n"), result.stderr
    shutil.unpack_archive(out, tmp_path / "unpacked")
    verified = run_verifier(tmp_path / "unpacked" / f"audit-{flow.complaint_id}")
    assert (verified.returncode, verified.stdout) == (0, "OK\n")
    again = cli(flow, "export", flow.complaint_id, "--out", str(out))
    assert (again.returncode, again.stderr) == (
        1, f"error: {out} exists; an export never overwrites evidence\n"
    )


def test_cli_unknown_complaint(flow):
    result = cli(flow, "history", "00000000-0000-4000-8000-000000000000")
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr == (
        "error: no service stored an event about 00000000-0000-4000-8000-000000000000\n"
    )


@pytest.fixture(scope="module")
def client(settings, auditor_tokens):
    auditor = auditor_tokens.headers("auditor", tenant=TENANT, sub="ann")
    with TestClient(bootstrap(settings), headers=auditor) as client:
        yield client


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
    assert unknown.json() == {"detail": "no service stored an event about this complaint"}
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
        "events": [e.model_dump(mode="json") for e in trail.history(flow.complaint_id)],
    }


def test_api_state_as_of(client, trail, flow):
    response = client.get(f"/v1/audit/complaints/{flow.complaint_id}/state",
                          params={"at": iso(flow.after_intake)})
    assert response.status_code == 200
    assert response.json() == trail.state_as_of(flow.complaint_id, flow.after_intake)
    assert response.json()["status"] == "received"


def test_api_state_without_instant_is_now(client, flow):
    response = client.get(f"/v1/audit/complaints/{flow.complaint_id}/state")
    assert (response.status_code, response.json()["status"]) == (200, "case_opened")


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


def test_serve_runs_the_api_on_its_port(flow, auditor_tokens):
    port = free_ports(1)[0]
    env = {**os.environ, **flow.env(), **auditor_tokens.env}
    server = subprocess.Popen(
        [sys.executable, "-m", "audit", "serve", "--port", str(port)], cwd=REPO, env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        while not port_open("127.0.0.1", port):
            assert server.poll() is None, server.stderr.read().decode()
            assert time.monotonic() < deadline, "the audit API did not start"
            time.sleep(0.1)
        response = httpx.get(
            f"http://127.0.0.1:{port}/v1/audit/complaints/{flow.complaint_id}/history", timeout=10,
            headers=auditor_tokens.headers("auditor", tenant=TENANT),
        )
        assert [e["type"] for e in response.json()["events"]] == TYPES
    finally:
        server.terminate()
        server.wait(timeout=30)


@pytest.fixture(params=["sqlite", "postgresql"])
def own_flow(request, tmp_path) -> Iterator[Flow]:
    """A flow of its own, for a test that tampers with the stores."""
    if request.param == "sqlite":
        yield flow_one_complaint(Flow(tmp_path, ""))
        return
    with fresh_postgres_database(request.getfixturevalue("postgres_url")) as database_url:
        yield flow_one_complaint(Flow(tmp_path, database_url))


def export_of(flow: Flow, out: Path) -> Path:
    stores = open_stores(AuditSettings(data_dir=flow.data_dir, database_url=flow.database_url))
    try:
        return export(AuditTrail(stores), flow.complaint_id, out)
    finally:
        close_stores(stores)


def received_position(flow: Flow, admin: RogueAdmin) -> int:
    return next(p for p, o, _, t, _ in admin.events()
                if o == flow.complaint_id and t.endswith("Complaint.Received"))


def test_an_event_changed_in_the_store_fails_the_bundle_at_its_position(own_flow, tmp_path):
    admin = RogueAdmin(own_flow.url("intake"))
    try:
        position = received_position(own_flow, admin)
        admin.modify(position, b'"web"', b'"app"')
    finally:
        admin.close()
    bundle = export_of(own_flow, tmp_path / "bundle")
    assert bundled(bundle, "events.jsonl")[0]["envelope"]["data"]["channel"] == "app"
    result = run_verifier(bundle)
    assert (result.returncode, result.stdout) == (
        1, f"FAIL events.jsonl:1: position {position} (intake): not the event its chain sealed\n"
    )


def test_a_consistent_rewrite_shows_as_a_head_that_differs_from_the_one_kept(own_flow, tmp_path):
    kept = json.loads((export_of(own_flow, tmp_path / "before") / "digest.json").read_text())
    admin = RogueAdmin(own_flow.url("intake"))
    try:
        admin.rewrite_from(received_position(own_flow, admin), b'"web"', b'"app"')
    finally:
        admin.close()
    after = export_of(own_flow, tmp_path / "after")
    # The bundle is consistent in itself; only the head an auditor kept earlier exposes it.
    assert run_verifier(after).stdout == "OK\n"
    digest = json.loads((after / "digest.json").read_text())
    assert digest["heads"]["intake"]["position"] == kept["heads"]["intake"]["position"]
    assert digest["heads"]["intake"]["entry_hash"] != kept["heads"]["intake"]["entry_hash"]
    assert digest["heads"]["dispatch"] == kept["heads"]["dispatch"]


def test_erasing_the_customer_joins_the_history_and_the_bundle(own_flow, tmp_path):
    _, service = intake_bootstrap(IntakeSettings(
        data_dir=own_flow.data_dir, database_url=own_flow.database_url, tenant=TENANT
    ))
    try:
        service.app.erase_customer(tenant=TENANT, customer_id="someone-else",
                                   reason="customer_request")
        service.app.erase_customer(tenant=TENANT, customer_id="cust-958-20417",
                                   reason="retention_expired")
    finally:
        service.app.close()
    stores = open_stores(AuditSettings(data_dir=own_flow.data_dir,
                                       database_url=own_flow.database_url))
    try:
        trail = AuditTrail(stores)
        history = trail.history(own_flow.complaint_id)
        state = trail.state_as_of(own_flow.complaint_id, datetime.now(UTC))
    finally:
        close_stores(stores)
    assert [e.type for e in history] == [*TYPES, "customer.erased.v1"]
    assert (history[-1].data["customer_id"], history[-1].data["reason"]) == (
        "cust-958-20417", "retention_expired"
    )
    assert state["personal_data_erased_at"] == history[-1].data["erased_at"]
    assert state["status"] == "case_opened"
    bundle = export_of(own_flow, tmp_path / "bundle")
    assert [x["envelope"]["type"] for x in bundled(bundle, "events.jsonl")][-1] == (
        "customer.erased.v1"
    )
    assert run_verifier(bundle).stdout == "OK\n"
