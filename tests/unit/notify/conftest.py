"""A notify application on a throw-away SQLite store, fed events as the inbox feeds them."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from contracts.envelope import DomainEvent, Envelope, correlation_for, wrap
from runtime.eventstore import persistence_env
from runtime.inbox import Inbox
from runtime.vault import KeyVault
from runtime.watched import WatchedFile
from services.notify.application import NotifyApplication
from services.notify.config import DEFAULT_RULES
from services.notify.handlers import SUBSCRIPTIONS
from services.notify.rule_file import parse_rules
from services.notify.templates import Templates

TENANT = "acme-cn"
COMPLAINT = "5b7f0c1e-0d1a-4c41-9d55-0b7c1f9a2e01"
NOON = datetime(2026, 12, 4, 4, 0, tzinfo=UTC)  # 12:00 in Shanghai: not quiet


@dataclass
class Harness:
    app: NotifyApplication
    inboxes: dict[type[DomainEvent], Inbox]
    sequence: int = 0

    def deliver(self, event: DomainEvent, *, source: str = "/services/test",
                at: datetime = NOON, envelope: Envelope | None = None) -> Envelope:
        """Hand an event to notify's inbox as the subscription does; returns its envelope."""
        if envelope is None:
            self.sequence += 1
            subject = getattr(event, "complaint_id", None) or str(uuid.uuid4())
            envelope = wrap(event, source=source, subject=subject, sequence=self.sequence,
                            tenant=TENANT, correlation_id=correlation_for(subject), time=at)
        self.inboxes[type(event)].process(envelope, event)
        return envelope


def rules_file(path: Path = DEFAULT_RULES) -> WatchedFile:
    names = Templates().names()
    return WatchedFile(path, lambda content, source: parse_rules(content, source=source,
                                                                 templates=names))


@pytest.fixture
def harness(tmp_path: Path) -> Iterator[Harness]:
    url = f"sqlite:///{tmp_path / 'notify.sqlite'}"
    app = NotifyApplication(env=persistence_env(url), rules=rules_file().current,
                            vault=KeyVault.from_url(url))
    inboxes = {event_type: Inbox(app=app, consumer="notify", handlers=handlers)
               for handlers in SUBSCRIPTIONS.values() for event_type in handlers}
    try:
        yield Harness(app, inboxes)
    finally:
        app.close()
