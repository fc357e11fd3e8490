"""A batch of consumed events is applied in one transaction, each still exactly once."""

from __future__ import annotations

import json
import threading
import uuid
from pathlib import Path

import pytest

from contracts.registry import parse
from contracts.topics import INBOUND
from runtime.eventstore import persistence_env
from runtime.inbox import Inbox, Outcome
from runtime.vault import KeyVault
from services.intake.application import IntakeApplication
from services.intake.handlers import SUBSCRIPTIONS

SAMPLE = Path(__file__).resolve().parents[3] / "contracts" / "samples" / \
    "complaint.submitted.v1.json"


def intake(tmp_path) -> IntakeApplication:
    url = f"sqlite:///{tmp_path}/intake.sqlite"
    return IntakeApplication(env=persistence_env(url), vault=KeyVault.from_url(url))


@pytest.fixture
def app(tmp_path):
    return intake(tmp_path)


def inbox(app) -> Inbox:
    return Inbox(app=app, consumer="intake", handlers=SUBSCRIPTIONS[INBOUND])


def submission(n: int, *, text: str | None = None, unnamed: bool = False) -> tuple:
    raw = json.loads(SAMPLE.read_text())
    raw["id"] = str(uuid.UUID(int=n + 1))
    data = raw["data"]
    data["customer_id"] = f"cust-{n}"
    data["submission_id"] = raw["subject"] = f"web-{n}"
    data["external_reference"] = f"ref-{n}"
    data["idempotency_key"] = f"web:{n}"
    if text is not None:
        data["text"] = text
    if unnamed:  # no product, nor a subject that names one: the text says what it is about
        raw["data"] = {**data, "subject": "A complaint", "product": None, "sub_product": None,
                       "issue": None, "sub_issue": None}
    return parse(raw)


def stored(app) -> list:
    return app.recorder.select_notifications(None, 10_000)


def processed(app) -> int:
    return sum(1 for n in stored(app) if n.topic.endswith("Processed.Recorded"))


def test_a_batch_files_each_submission_once(app, tmp_path):
    events = [submission(n) for n in range(5)]
    assert inbox(app).process_batch(events) == [Outcome.HANDLED] * 5
    assert processed(app) == 5
    # Redelivered to another replica (its own application on the same store).
    assert inbox(intake(tmp_path)).process_batch(events) == [Outcome.DUPLICATE] * 5
    assert processed(app) == 5


def test_an_event_repeated_within_a_batch_is_a_duplicate(app):
    first = submission(1)
    assert inbox(app).process_batch([first, submission(2), first]) == [
        Outcome.HANDLED, Outcome.HANDLED, Outcome.DUPLICATE]
    assert processed(app) == 2


def test_a_batch_stops_at_a_poison_event_and_keeps_the_ones_before(app):
    events = [submission(1), submission(2), submission(3, text="   "), submission(4)]
    assert inbox(app).process_batch(events) == [Outcome.HANDLED, Outcome.HANDLED]
    before = len(stored(app))
    assert processed(app) == 2
    # What the caller does next: the rest one by one (the poison raises, the last applies).
    with pytest.raises(Exception, match="blank"):
        inbox(app).process(*events[2])
    assert len(stored(app)) == before
    assert inbox(app).process(*events[3]) is Outcome.HANDLED
    assert processed(app) == 3


def test_nothing_of_a_batch_is_visible_to_other_threads_before_it_commits(app):
    seen: list[int] = []
    original = app.savepoint

    def peeking():
        # After the first event of the batch was applied, another thread counts.
        if processed_in_batch["n"] == 1:
            reader = threading.Thread(target=lambda: seen.append(processed(app)))
            reader.start()
            reader.join()
        processed_in_batch["n"] += 1
        return original()

    processed_in_batch = {"n": 0}
    app.savepoint = peeking
    assert inbox(app).process_batch([submission(1), submission(2)]) == [Outcome.HANDLED] * 2
    assert seen == [0]
    assert processed(app) == 2


TEXTS = ("I was charged twice for the same loan payment and the bank refuses to refund it.",
         "The debt collector calls me at work every day about a debt that is not mine.",
         "My credit report shows an account I never opened; the bureau ignored my dispute.")


def understandings(app) -> list[dict]:
    """Each filed complaint's classification, in the order filed."""
    return [app.repository.get(n.originator_id).understanding for n in stored(app)
            if n.topic.endswith("Complaint.Received")]


def test_a_batch_s_submissions_are_classified_in_one_call_as_each_alone_would_be(
    app, tmp_path
):
    events = [submission(n, text=TEXTS[n], unnamed=True) for n in range(3)]
    calls: list[int] = []
    classify_many = app.understanding.classifier.classify_many

    def counted(items):
        calls.append(len(items))
        return classify_many(items)

    app.understanding.classifier.classify_many = counted
    assert inbox(app).process_batch(events) == [Outcome.HANDLED] * 3
    assert calls == [3]
    (tmp_path / "alone").mkdir()
    alone = intake(tmp_path / "alone")
    for event in events:
        assert inbox(alone).process(*event) is Outcome.HANDLED
    assert understandings(app) == understandings(alone)
    assert len({u["category"] for u in understandings(app)}) == 3  # three different readings
    assert app._prepared == {}  # every reading was taken by its filing
