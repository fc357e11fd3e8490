"""Shared helpers: the shipped policy and calendars, a manual clock, facts and samples."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

import contracts
from contracts.envelope import DomainEvent, Envelope, event_id
from contracts.registry import parse
from runtime.eventstore import persistence_env
from services.sla.application import SlaApplication
from services.sla.catalog import (
    DEFAULT_CALENDAR_DIR,
    DEFAULT_POLICY_FILE,
    Catalog,
    load_catalog,
    read_documents,
)
from services.sla.domain import ComplaintSla
from services.sla.facts import Fact
from services.sla.lifecycle import Lifecycle
from services.sla.tenants import TenantProfile
from services.sla.timesource import ManualClock

SAMPLES = Path(contracts.__file__).parent / "samples"
# Tenants the tests use beyond the shipped file's `default`: (jurisdiction, industry).
TEST_TENANTS = {"bank-cn": ("CN", "banking"), "bank-uk": ("GB", "banking"),
                "acme-us": ("US", "retail")}
SOURCE = "/services/sla"
# Monday 3 March 2025, 10:00 in Beijing: office hours in the default P2/P3 calendar.
T0 = datetime(2025, 3, 3, 2, 0, tzinfo=UTC)


def cst(day: int, hour: int, minute: int = 0, month: int = 3) -> datetime:
    """An instant given in Beijing time (UTC+8, no DST), as UTC."""
    return datetime(2025, month, day, hour, minute, tzinfo=UTC) - timedelta(hours=8)


def fact(kind: str, at: datetime, complaint_id: str = "c-1", tenant: str = "default",
         actor: str = "agent-7", **data: Any) -> Fact:
    if kind == "received":
        data = {"channel": "web", "customer_tier": "standard", "historical": False, **data}
    return Fact(kind, complaint_id, tenant, at, actor, data)


def sample(event_type: str, **data: Any) -> tuple[Envelope, DomainEvent]:
    raw = json.loads((SAMPLES / f"{event_type}.json").read_text(encoding="utf-8"))
    raw["data"].update(data)
    return parse(raw)


class Harness:
    """A complaint's SLA in memory, driven by facts at given instants."""

    def __init__(self, catalog: Catalog, clock: ManualClock) -> None:
        self.catalog, self.clock = catalog, clock
        self.lifecycle = Lifecycle(
            catalog, lambda sla, seq: str(event_id(SOURCE, sla.id, seq))
        )
        self.slas: dict[str, ComplaintSla] = {}

    def apply(self, f: Fact, cause: str | None = None) -> ComplaintSla:
        sla = self.slas.get(f.complaint_id)
        if sla is None:
            sla = self.slas[f.complaint_id] = ComplaintSla(
                complaint_id=f.complaint_id, tenant=f.tenant
            )
        if self.clock.now() < f.at:
            self.clock.set(f.at)
        self.lifecycle.apply(sla, f, cause=cause, now=self.clock.now())
        return sla

    def tick(self, at: datetime, complaint_id: str = "c-1") -> list[tuple[str, str]]:
        self.clock.set(at)
        return self.lifecycle.fire_due(self.slas[complaint_id], at)


def declare(catalog: Catalog, tenants: dict[str, tuple[str, str]] = TEST_TENANTS) -> Catalog:
    """Declare tenants' jurisdiction and industry beside the tenants file's, as a deployment's
    own tenants file would."""
    profiles = {name: TenantProfile(jurisdiction=j, industry=i) for name, (j, i) in tenants.items()}
    catalog.tenants = catalog.tenants.model_copy(
        update={"tenants": {**catalog.tenants.tenants, **profiles}})
    return catalog


@pytest.fixture
def catalog() -> Catalog:
    return declare(load_catalog(DEFAULT_POLICY_FILE, [DEFAULT_CALENDAR_DIR]))


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(T0 - timedelta(hours=1))


@pytest.fixture
def sla_harness(catalog: Catalog, clock: ManualClock) -> Harness:
    return Harness(catalog, clock)


@pytest.fixture
def app(tmp_path: Path, clock: ManualClock) -> Iterator[SlaApplication]:
    app = SlaApplication(env=persistence_env(f"sqlite:///{tmp_path}/sla.sqlite"),
                         catalog=Catalog(), time=clock, source=SOURCE)
    app.put_in_force(read_documents(DEFAULT_POLICY_FILE, [DEFAULT_CALENDAR_DIR]))
    declare(app.catalog)
    yield app
    app.close()
