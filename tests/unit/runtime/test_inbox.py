"""A consumed event takes effect once, however often it is delivered."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from contracts.registry import parse
from contracts.topics import INBOUND
from runtime.eventstore import persistence_env
from runtime.inbox import Inbox, Outcome, Rejected
from runtime.vault import KeyVault
from services.intake.application import IntakeApplication
from services.intake.handlers import SUBSCRIPTIONS

SAMPLES = Path(__file__).resolve().parents[3] / "contracts" / "samples"
SAMPLE = SAMPLES / "complaint.submitted.v1.json"


@pytest.fixture
def app(tmp_path):
    url = f"sqlite:///{tmp_path}/intake.sqlite"
    return IntakeApplication(env=persistence_env(url), vault=KeyVault.from_url(url))


def stored_count(app) -> int:
    return len(app.recorder.select_notifications(None, 1000))


def inbox(app) -> Inbox:
    return Inbox(app=app, consumer="intake", handlers=SUBSCRIPTIONS[INBOUND])


def test_redelivered_submission_files_one_complaint(app):
    envelope, event = parse(SAMPLE.read_text())
    assert inbox(app).process(envelope, event) is Outcome.HANDLED
    after_first = stored_count(app)
    for _ in range(4):
        assert inbox(app).process(envelope, event) is Outcome.DUPLICATE
    assert stored_count(app) == after_first


def test_same_submission_under_a_new_event_id_is_still_filed_once(app):
    raw = json.loads(SAMPLE.read_text())
    envelope, event = parse(raw)
    inbox(app).process(envelope, event)
    complaints_before = stored_count(app)
    raw["id"] = "00000000-0000-4000-8000-000000000001"
    again_envelope, again_event = parse(raw)
    assert inbox(app).process(again_envelope, again_event) is Outcome.HANDLED
    # Only the processed-marker is added: the idempotency key points at the first complaint.
    assert stored_count(app) == complaints_before + 1


def test_invalid_submission_is_rejected_not_retried(app):
    raw = json.loads(SAMPLE.read_text())
    raw["data"]["text"] = "   "
    envelope, event = parse(raw)
    with pytest.raises(Rejected, match="blank"):
        inbox(app).process(envelope, event)
    assert stored_count(app) == 0


def test_event_without_handler_is_ignored(app):
    envelope, event = parse(SAMPLE.read_text())
    ignoring = Inbox(app=app, consumer="intake", handlers={})
    assert ignoring.process(envelope, event) is Outcome.IGNORED
    assert stored_count(app) == 0
