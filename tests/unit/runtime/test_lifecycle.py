"""Every service keeps the complaint's lifecycle status from the events it consumes, in the
transaction of each event's own effects, once however often an event is delivered."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from contracts.registry import parse
from contracts.topics import DISPATCH_EVENTS, RESOLUTION_EVENTS
from runtime.eventstore import persistence_env
from runtime.inbox import Inbox, Outcome
from runtime.lifecycle import status_of
from runtime.ownership import owner_of
from runtime.vault import KeyVault
from services.intake.application import IntakeApplication
from services.intake.handlers import SUBSCRIPTIONS

SAMPLES = Path(__file__).resolve().parents[3] / "contracts" / "samples"
COMPLAINT = "9b6f8a52-3f0e-4c55-a7c2-2f4f3c1d9e01"


@pytest.fixture
def app(tmp_path):
    url = f"sqlite:///{tmp_path}/intake.sqlite"
    return IntakeApplication(env=persistence_env(url), vault=KeyVault.from_url(url))


def delivered(app, topic, event_type: str, n: int = 1, **data):
    raw = json.loads((SAMPLES / f"{event_type}.json").read_text())
    raw.update(subject=COMPLAINT, id=f"00000000-0000-4000-8000-{n:012d}")
    raw["data"].update(complaint_id=COMPLAINT, **data)
    inbox = Inbox(app=app, consumer="intake", handlers=SUBSCRIPTIONS.get(topic, {}))
    return inbox.process(*parse(raw))


def test_status_follows_events_with_and_without_a_handler_of_the_service(app):
    assert status_of(app, COMPLAINT) is None
    # Intake's own handler (ownership) and the status commit together.
    assert delivered(app, DISPATCH_EVENTS, "complaint.assigned.v1", 1) is Outcome.HANDLED
    assert status_of(app, COMPLAINT) == "assigned"
    assert owner_of(app, COMPLAINT).queue == "credit-report-disputes"
    # Intake has no handler of resolution's events; the status still follows them.
    assert delivered(app, RESOLUTION_EVENTS, "resolution.investigation_started.v1", 2) \
        is Outcome.HANDLED
    assert status_of(app, COMPLAINT) == "investigating"
    assert delivered(app, RESOLUTION_EVENTS, "complaint.closed.v1", 3) is Outcome.HANDLED
    assert delivered(app, RESOLUTION_EVENTS, "complaint.reopened.v1", 4) is Outcome.HANDLED
    assert delivered(app, DISPATCH_EVENTS, "complaint.assigned.v1", 5) is Outcome.HANDLED
    assert status_of(app, COMPLAINT) == "reopened"


def test_a_redelivered_event_changes_the_status_once(app):
    delivered(app, RESOLUTION_EVENTS, "resolution.investigation_started.v1", 1)
    stored = app.recorder.max_notification_id()
    assert delivered(app, RESOLUTION_EVENTS, "resolution.investigation_started.v1", 1) \
        is Outcome.DUPLICATE
    assert app.recorder.max_notification_id() == stored


def test_events_that_set_no_status_and_have_no_handler_store_nothing(app):
    assert delivered(app, RESOLUTION_EVENTS, "resolution.case_opened.v1") is Outcome.IGNORED
    assert app.recorder.max_notification_id() in (None, 0)

