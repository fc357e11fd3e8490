"""A consumed batch commits once, exactly once per event, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import threading

import pytest

from contracts.topics import INBOUND
from runtime.inbox import Inbox, Outcome
from services.intake.handlers import SUBSCRIPTIONS
from tests.integration.event_stores import file_complaints, intake, store_url_for
from tests.unit.runtime.test_inbox_batch import submission

pytestmark = pytest.mark.integration


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request, tmp_path):
    yield from store_url_for(request.param, tmp_path, request)


def inbox(app) -> Inbox:
    return Inbox(app=app, consumer="intake", handlers=SUBSCRIPTIONS[INBOUND])


def processed(app) -> int:
    return sum(1 for n in app.recorder.select_notifications(None, 10_000)
               if n.topic.endswith("Processed.Recorded"))


def test_a_batch_applies_each_event_once_and_stops_at_a_poison_one(url):
    app, replica = intake(url), intake(url)
    try:
        first = [submission(n) for n in range(4)]
        assert inbox(app).process_batch([*first, first[0]]) == [Outcome.HANDLED] * 4 + [
            Outcome.DUPLICATE]
        # Redelivered to another replica, with a poison event in the middle of the batch.
        again = [first[1], submission(10), submission(11, text="   "), submission(12)]
        assert inbox(replica).process_batch(again) == [Outcome.DUPLICATE, Outcome.HANDLED]
        assert processed(app) == 5
        assert inbox(replica).process(*again[3]) is Outcome.HANDLED
        assert processed(app) == 6
    finally:
        app.close()
        replica.close()


def test_a_save_of_another_thread_waits_for_the_batch_and_then_commits(url):
    app = intake(url)
    try:
        saved: list[int] = []
        original = app.savepoint
        calls = {"n": 0}

        def saving_elsewhere_during_the_batch():
            if calls["n"] == 1:  # a request files a complaint while the batch is open
                writer = threading.Thread(target=lambda: saved.extend(
                    [len(file_complaints(app, range(100, 101)))]))
                writer.start()
                threads.append(writer)
            calls["n"] += 1
            return original()

        threads: list[threading.Thread] = []
        app.savepoint = saving_elsewhere_during_the_batch
        assert inbox(app).process_batch([submission(n) for n in range(3)]) == [
            Outcome.HANDLED] * 3
        for thread in threads:
            thread.join(30)
        assert saved == [1]
        assert processed(app) == 3
    finally:
        app.close()
