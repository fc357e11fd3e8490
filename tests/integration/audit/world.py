"""One complaint flowed through every service's store, as the audit tests read it, and the
helpers to export, tamper with and verify its bundle."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from audit.bundle import export
from audit.config import AuditSettings
from audit.history import AuditTrail
from audit.stores import SERVICES, close_stores, open_stores
from contracts.envelope import Envelope
from contracts.topics import DISPATCH_EVENTS, INBOUND, INTAKE_EVENTS
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
from tests.integration.event_stores import RogueAdmin
from tests.integration.platform_world import deliver, published

SUBMITTED = Path(__file__).resolve().parents[3] / "contracts/samples/complaint.submitted.v1.json"
TENANT = "experian-us"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
STORE_NAMES = {service.name: service.store for service in SERVICES}  # the tables' prefix


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


TYPES = [
    "complaint.received.v1", "complaint.classified.v1", "complaint.assigned.v1",
    "sla.clock_started.v1", "sla.clock_started.v1", "resolution.case_opened.v1",
]


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


def export_of(flow: Flow, out: Path) -> Path:
    stores = open_stores(AuditSettings(data_dir=flow.data_dir, database_url=flow.database_url))
    try:
        return export(AuditTrail(stores), flow.complaint_id, out)
    finally:
        close_stores(stores)


def received_position(flow: Flow, admin: RogueAdmin) -> int:
    return next(p for p, o, _, t, _ in admin.events()
                if o == flow.complaint_id and t.endswith("Complaint.Received"))


REPO = Path(__file__).resolve().parents[3]


def iso(instant: datetime) -> str:
    """An instant as the audit API and CLI take it (UTC, Z)."""
    return instant.isoformat().replace("+00:00", "Z")
