"""Resolution in memory: a SQLite store in a temp dir, a clock the test moves, the HTTP API."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

import contracts
from contracts.envelope import DomainEvent, Envelope
from contracts.registry import parse
from contracts.topics import DISPATCH_EVENTS
from runtime.auth.db import SqliteDatabase
from runtime.auth.pii_log import PiiAccessLog
from runtime.eventstore import persistence_env
from runtime.inbox import Inbox
from runtime.vault import KeyVault
from services.resolution import api, published
from services.resolution.application import ResolutionApplication, Rules
from services.resolution.config import PACKAGE
from services.resolution.evidence_store import EvidenceStore
from services.resolution.handlers import SUBSCRIPTIONS
from services.resolution.personal import PersonalData
from services.resolution.policy_files import Policies
from services.resolution.projections import Projections
from tests.auth_tokens import Tokens, bearer

SAMPLES = Path(contracts.__file__).parent / "samples"
SOURCE = "/services/resolution"
COMPLAINT_ID = "201e730e-1186-5080-a083-198a2bc06e90"
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
# The golden complaint.assigned.v1 sample's tenant and department.
TENANT, DEPARTMENT = "experian-us", "consumer-disputes"
# One issuer for every test of this package: `as_` mints without a fixture.
TOKENS = Tokens(Path(tempfile.mkdtemp(prefix="resolution-auth-")))


@dataclass
class Clock:
    now: datetime = START

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


def sample(event_type: str, **data: object) -> tuple[Envelope, DomainEvent]:
    raw = json.loads((SAMPLES / f"{event_type}.json").read_text(encoding="utf-8"))
    raw["data"].update(data)
    return parse(raw)


def published_envelopes(app: ResolutionApplication) -> list[Envelope]:
    translate = published.translator(source=SOURCE)
    stored = app.recorder.select_notifications(None, 10_000)
    envelopes = (translate(app.mapper.to_domain_event(n)) for n in stored)
    return [envelope for envelope in envelopes if envelope is not None]


def published_types(app: ResolutionApplication) -> list[str]:
    return [envelope.type for envelope in published_envelopes(app)]


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def app(tmp_path: Path, clock: Clock) -> Iterator[ResolutionApplication]:
    app = ResolutionApplication(
        env=persistence_env(f"sqlite:///{tmp_path}/resolution.sqlite"),
        policies=Policies.from_paths(
            PACKAGE / "approval_policy.yaml", PACKAGE / "solutions.yaml", home=TENANT
        ),
        evidence=EvidenceStore(tmp_path / "evidence"),
        personal=PersonalData(KeyVault.from_url(f"sqlite:///{tmp_path}/resolution.sqlite")),
        rules=Rules(reopen_window=timedelta(days=30), survey_ttl=timedelta(days=7),
                    survey_base_url="https://complaints.example/v1/surveys"),
        clock=clock,
    )
    yield app
    app.close()


@pytest.fixture
def inbox(app: ResolutionApplication) -> Inbox:
    return Inbox(app=app, consumer="resolution", handlers=SUBSCRIPTIONS[DISPATCH_EVENTS])


@pytest.fixture
def opened(app: ResolutionApplication, inbox: Inbox) -> str:
    """A case opened by the golden ComplaintAssigned sample (owner agent-0142)."""
    inbox.process(*sample("complaint.assigned.v1"))
    return COMPLAINT_ID


@pytest.fixture
def projections(app: ResolutionApplication) -> Projections:
    return Projections(app)


@pytest.fixture
def pii_log(tmp_path: Path) -> Iterator[PiiAccessLog]:
    log = PiiAccessLog(SqliteDatabase(str(tmp_path / "pii.sqlite")))
    yield log
    log.close()


@pytest.fixture
def client(app: ResolutionApplication, projections: Projections,
           pii_log: PiiAccessLog) -> TestClient:
    """The API; requests without their own token read as a supervisor of the department."""
    http = TOKENS.app(*api.build_routers(app, projections, on_saved=lambda: None,
                                         pii_log=pii_log, max_evidence_bytes=1024))
    return TestClient(http, headers=as_("reader"))


def as_(actor: str, *roles: str) -> dict[str, str]:
    """Headers of a request made by `actor`, a supervisor of the sample's department, who also
    holds `roles` (business roles of the approval policy, e.g. team_lead)."""
    return bearer(TOKENS.token("supervisor", *roles, tenant=TENANT, sub=actor,
                               departments=[DEPARTMENT]))
