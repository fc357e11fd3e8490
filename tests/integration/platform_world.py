"""The platform's services built in-process by their own `bootstrap()`, without Kafka, holding
one tenant's complaints carried from intake through dispatch, SLA and resolution by the
services' own subscriptions, as the broker would carry them. The access-control attack and
fuzz tests fire at it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from fastapi import FastAPI
from fastapi.testclient import TestClient

from audit.bootstrap import bootstrap as audit_bootstrap
from audit.config import AuditSettings
from contracts.envelope import Envelope
from contracts.registry import parse
from contracts.topics import DISPATCH_EVENTS, INTAKE_EVENTS, TopicSpec
from runtime.auth.pii_log import PiiAccessLog
from runtime.inbox import Inbox
from runtime.service import ServiceRuntime
from services.analytics.bootstrap import bootstrap as analytics_bootstrap
from services.analytics.config import AnalyticsSettings
from services.dispatch.bootstrap import bootstrap as dispatch_bootstrap
from services.dispatch.config import DispatchSettings
from services.intake.bootstrap import bootstrap as intake_bootstrap
from services.intake.config import IntakeSettings
from services.resolution import metrics as resolution_metrics
from services.resolution.bootstrap import bootstrap as resolution_bootstrap
from services.resolution.config import ResolutionSettings
from services.sla.bootstrap import bootstrap as sla_bootstrap
from services.sla.config import SlaSettings
from tests.auth_tokens import Tokens, bearer

TENANT = "acme"
EVERY_ROLE = ["supervisor", "auditor", "administrator"]  # every scope, every department
PHONE = "13812345678"
TEXTS = [  # different enough that none is a duplicate of another
    "My credit card was charged twice for order {n}; the bank shows two captures.",
    "Someone used my card without permission, a fraudulent charge appeared: case {n}.",
    "The parcel {n} never arrived and the courier says it was delivered to nobody.",
    "My credit report lists an account {n} I never opened; please correct the report.",
    "The blender {n} I bought sparks when switched on, it is a safety hazard.",
    "I was billed for a subscription {n} I cancelled months ago.",
]


@dataclass
class World:
    """The services, their clients, and the complaints of TENANT with their departments."""

    tokens: Tokens
    clients: dict[str, TestClient]
    runtimes: dict[str, ServiceRuntime]
    pii_logs: list[PiiAccessLog]
    departments: dict[str, str] = field(default_factory=dict)  # complaint id -> department
    queues: dict[str, str] = field(default_factory=dict)  # complaint id -> queue
    action_id: str = ""  # a corrective action of TENANT recorded in analytics

    def stored(self) -> dict[str, int]:
        """How many events each service has stored."""
        return {name: runtime.app.recorder.max_notification_id() or 0
                for name, runtime in self.runtimes.items()}


def published(runtime: ServiceRuntime) -> list[Envelope]:
    """What the service's relay would publish: its stored events, translated."""
    envelopes = (runtime.translate(runtime.app.mapper.to_domain_event(n))
                 for n in runtime.app.recorder.select_notifications(None, 10_000))
    return [e for e in envelopes if e is not None]


def deliver(runtime: ServiceRuntime, topic: TopicSpec, envelopes: list[Envelope]) -> None:
    """Everything published on a topic, to the service's own subscription to it."""
    inbox = Inbox(app=runtime.app, consumer=runtime.settings.service,
                  handlers=runtime.subscriptions[topic])
    for envelope in envelopes:
        inbox.process(*parse(envelope.model_dump(mode="json")))


@contextlib.contextmanager
def platform_world(directory: Path, complaints: int = 12) -> Iterator[World]:
    """Every service of TENANT in directory, each complaint assigned to a department."""
    tokens = Tokens(directory / "auth")
    common = {"data_dir": directory / "data", "database_url": "", "tenant": TENANT,
              **tokens.settings}
    apps: dict[str, FastAPI] = {}
    runtimes: dict[str, ServiceRuntime] = {}
    for name, build, settings in [
        ("intake", intake_bootstrap, IntakeSettings(**common, tracking_secret="attack")),
        ("dispatch", dispatch_bootstrap, DispatchSettings(**common)),
        ("sla", sla_bootstrap, SlaSettings(**common)),
        ("resolution", resolution_bootstrap,
         ResolutionSettings(**common, tracking_secret="attack")),
    ]:
        apps[name], runtimes[name] = build(settings)

    # Filed through intake's HTTP API by a channel adapter, then carried as the broker would.
    adapter = bearer(tokens.client(tenant=TENANT))
    filed = []
    for n in range(complaints):
        response = TestClient(apps["intake"]).post("/v1/complaints", headers=adapter, json={
            "channel": "web", "subject": f"Complaint {n}", "text": TEXTS[n % 6].format(n=n),
            "customer": {"id": f"cust-{n}", "name": "王小明", "contact": PHONE}})
        assert response.status_code == 202, response.text
        filed.append(response.json()["complaint_id"])
    intake_events = published(runtimes["intake"])
    deliver(runtimes["dispatch"], INTAKE_EVENTS, intake_events)
    deliver(runtimes["sla"], INTAKE_EVENTS, intake_events)
    dispatch_events = published(runtimes["dispatch"])
    for name in ("intake", "sla", "resolution"):
        deliver(runtimes[name], DISPATCH_EVENTS, dispatch_events)

    world = World(tokens=tokens, clients={name: TestClient(app) for name, app in apps.items()},
                  runtimes=runtimes, pii_logs=[
                      PiiAccessLog.from_url(runtimes[name].settings.event_store_url)
                      for name in ("intake", "resolution")])
    for envelope in dispatch_events:
        if envelope.type == "complaint.assigned.v1":
            world.departments[envelope.subject] = envelope.data["department"]
            world.queues[envelope.subject] = envelope.data["queue"]
    assert set(world.departments) == set(filed), "every complaint has an owner and a case"
    assert len(set(world.departments.values())) >= 3, "complaints of several departments"

    # Analytics' ClickHouse (chDB here) opens in its lifespan, with Kafka: opened by hand.
    analytics, analytics_runtime = analytics_bootstrap(AnalyticsSettings(**common))
    analytics_runtime.store.open()
    world.clients["analytics"] = TestClient(analytics)
    supervisor = bearer(tokens.token("supervisor", tenant=TENANT, departments=["quality"]))
    recorded = world.clients["analytics"].post("/v1/analytics/actions", headers=supervisor, json={
        "target_kind": "category", "target": "billing", "title": "Idempotent captures",
        "owner": "payments-team", "due_date": "2030-01-31",
        "effective_at": "2030-01-01T00:00:00Z"})
    assert recorded.status_code == 201, recorded.text
    world.action_id = recorded.json()["action_id"]

    # The audit API's lifespan only opens the services' stores (read-only).
    with TestClient(audit_bootstrap(AuditSettings(**common))) as audit:
        world.clients["audit"] = audit
        # What the audit API itself discloses is logged in audit's own database.
        world.pii_logs.append(PiiAccessLog.from_url(AuditSettings(**common).event_store_url))
        yield world
    analytics_runtime.store.close()
    resolution_metrics.uninstall()  # its collector reads the store closed below
    for log in world.pii_logs:
        log.close()
    for runtime in runtimes.values():
        runtime.app.close()
