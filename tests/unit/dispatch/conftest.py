"""A dispatch application on a throw-away SQLite store, with a small roster and rule file."""

from __future__ import annotations

import json
import textwrap
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

import contracts
from contracts.envelope import DomainEvent, Envelope
from contracts.registry import parse
from contracts.topics import INTAKE_EVENTS, RESOLUTION_EVENTS, SLA_EVENTS
from runtime.eventstore import persistence_env
from runtime.inbox import Inbox
from runtime.watched import WatchedFile
from services.dispatch import published
from services.dispatch.application import DispatchApplication
from services.dispatch.handlers import SUBSCRIPTIONS
from services.dispatch.roster import parse_roster
from services.dispatch.rule_file import parse_rules

SAMPLES = Path(contracts.__file__).parent / "samples"
SOURCE = "/services/dispatch"
START = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
SAMPLES_TENANT = "experian-us"  # the tenant of every golden sample

ROSTER = """\
    executive: exec-1
    departments:
      service: {supervisor: sup-service, team_lead: lead-service, head: head-service}
      fraud: {supervisor: sup-fraud, team_lead: lead-fraud, head: head-fraud}
    queues:
      general: {department: service, strategy: round_robin}
      billing: {department: service, strategy: skill_based}
      fraud: {department: fraud, strategy: skill_based}
    agents:
      - {id: ana, queues: [general, billing], skills: [billing], languages: [en], capacity: 2}
      - {id: bo, queues: [general, billing], skills: [billing], languages: [zh], capacity: 2}
      - {id: cy, queues: [general], capacity: 2}
      - {id: fay, queues: [fraud], skills: [fraud], capacity: 1}
"""

RULES = """\
    version: "2025.1"
    default: {queue: general}
    rules:
      - {id: fraud, priority: 10, when: {category: [fraud_*]}, queue: fraud, skills: [fraud]}
      - id: billing
        priority: 20
        when: {category: [billing_charges]}
        queue: billing
        skills: [billing]
"""


@dataclass
class Clock:
    now: datetime = START

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@dataclass
class Files:
    roster: Path
    rules: Path

    def write_rules(self, text: str) -> None:
        self.rules.write_text(textwrap.dedent(text), encoding="utf-8")


def sample(event_type: str, *, complaint_id: str, event_id: uuid.UUID | None = None,
           **data: object) -> tuple[Envelope, DomainEvent]:
    """A golden sample about another complaint, with its own event id."""
    raw = json.loads((SAMPLES / f"{event_type}.json").read_text(encoding="utf-8"))
    raw["id"] = str(event_id or uuid.uuid4())
    raw["subject"] = complaint_id
    raw["data"].update(complaint_id=complaint_id, **data)
    return parse(raw)


def classified(complaint_id: str, category: str = "other", severity: str = "P3", **data):
    return sample(
        "complaint.classified.v1", complaint_id=complaint_id,
        **{"category": category, "severity": severity, "rules_fired": [], **data},
    )


def published_envelopes(app: DispatchApplication) -> list[Envelope]:
    translate = published.translator(source=SOURCE)
    stored = app.recorder.select_notifications(None, 10_000)
    envelopes = (translate(app.mapper.to_domain_event(n)) for n in stored)
    return [envelope for envelope in envelopes if envelope is not None]


def owners(app: DispatchApplication) -> list[tuple[str, str, str | None]]:
    """(type, complaint, agent or queue) of every published event, in order."""
    out = []
    for e in published_envelopes(app):
        data = e.data
        where = data.get("agent_id") or data.get("to_agent_id") or data.get("queue")
        where = where or data.get("to_queue")
        out.append((e.type.split(".")[1], e.subject, where))
    return out


@pytest.fixture
def files(tmp_path: Path) -> Files:
    paths = Files(tmp_path / "roster.yaml", tmp_path / "routing.yaml")
    paths.roster.write_text(textwrap.dedent(ROSTER), encoding="utf-8")
    paths.write_rules(RULES)
    return paths


@pytest.fixture
def clock() -> Clock:
    return Clock()


def make_app(path: Path, files: Files, clock: Clock, **kwargs) -> DispatchApplication:
    roster = parse_roster(files.roster.read_bytes(), source="roster.yaml")
    rules = WatchedFile(
        files.rules,
        lambda content, source: parse_rules(content, source=source, known_queues=roster.queues),
    )
    return DispatchApplication(
        env=persistence_env(f"sqlite:///{path}"), rules=rules, roster=roster, clock=clock,
        **kwargs,
    )


@pytest.fixture
def app(
    request: pytest.FixtureRequest, tmp_path: Path, files: Files, clock: Clock
) -> Iterator[DispatchApplication]:
    """The application, deployed for the golden samples' tenant (its roster and rules are that
    tenant's: dispatch routes no other tenant's complaints); a test module naming a TENANT
    deploys it for that tenant."""
    tenant = getattr(request.module, "TENANT", SAMPLES_TENANT)
    app = make_app(tmp_path / "dispatch.sqlite", files, clock, tenant=tenant)
    yield app
    app.close()


@dataclass
class Inboxes:
    intake: Inbox
    resolution: Inbox
    sla: Inbox

    def process(self, envelope: Envelope, event: DomainEvent):
        inbox = {
            "/services/intake": self.intake, "/services/resolution": self.resolution,
            "/services/sla": self.sla,
        }[envelope.source]
        return inbox.process(envelope, event)


@pytest.fixture
def inbox(app: DispatchApplication) -> Inboxes:
    def make(topic):
        return Inbox(app=app, consumer="dispatch", handlers=SUBSCRIPTIONS[topic])

    return Inboxes(make(INTAKE_EVENTS), make(RESOLUTION_EVENTS), make(SLA_EVENTS))
