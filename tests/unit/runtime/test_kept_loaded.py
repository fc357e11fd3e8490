"""An aggregate of a type an application keeps loaded comes back from its last save, brought up
to date from the store, and only while the store still holds what it was saved with."""

from __future__ import annotations

import pytest
from eventsourcing.domain import Aggregate, event

from runtime.eventstore import ServiceApplication
from tests.unit.runtime.test_transact import replicas


class Ledger(Aggregate):
    """A long history: every entry ever made."""

    @event("Opened")
    def __init__(self) -> None:
        self.entries: list[str] = []

    @event("Entered")
    def enter(self, entry: str) -> None:
        self.entries.append(entry)


class Keeping(ServiceApplication):
    kept_loaded = (Ledger,)


@pytest.fixture
def apps(tmp_path):
    """Two replicas on one store; both keep ledgers loaded."""
    yield from replicas(tmp_path, Keeping)


def opened(app: ServiceApplication, *entries: str) -> Ledger:
    ledger = Ledger()
    for entry in entries:
        ledger.enter(entry)
    app.save(ledger)
    return ledger


def stored(app: ServiceApplication, ledger_id) -> list[str]:
    """The ledger as its stored events make it: asked for a version, the repository replays."""
    return app.repository.get(ledger_id, version=app.recorder.max_notification_id()).entries


def test_the_saved_object_comes_back_with_what_another_writer_saved_since(apps):
    one, two = apps
    ledger = opened(one, "a")
    theirs = two.repository.get(ledger.id)
    theirs.enter("b")
    two.save(theirs)

    again = one.repository.get(ledger.id)
    assert again is ledger  # not decoded again
    assert again.entries == ["a", "b"] and again.version == theirs.version


def test_it_is_handed_to_one_user_at_a_time(apps):
    one, _ = apps
    ledger = opened(one, "a")
    first, second = one.repository.get(ledger.id), one.repository.get(ledger.id)
    assert first is ledger and second is not ledger and second.entries == ["a"]


def test_changes_nobody_saved_are_not_handed_out(apps):
    one, _ = apps
    ledger = opened(one, "a")
    taken = one.repository.get(ledger.id)
    taken.enter("never saved")
    assert one.repository.get(ledger.id).entries == ["a"]


def test_a_save_rolled_back_is_found_and_the_ledger_rebuilt(apps):
    one, _ = apps
    ledger = opened(one, "a")
    with pytest.raises(RuntimeError), one.batch():
        taken = one.repository.get(ledger.id)
        taken.enter("undone")
        one.save(taken)
        raise RuntimeError("the batch fails after the save")
    again = one.repository.get(ledger.id)
    assert again is not ledger and again.entries == ["a"] == stored(one, ledger.id)


def test_a_save_overtaken_at_the_same_version_is_found(apps):
    one, two = apps
    ledger = opened(one, "a")
    with pytest.raises(RuntimeError), one.batch():  # one's save, kept, then rolled back
        taken = one.repository.get(ledger.id)
        taken.enter("one's")
        one.save(taken)
        raise RuntimeError("rolled back")
    theirs = two.repository.get(ledger.id)  # two saves a different event at that version
    theirs.enter("two's")
    two.save(theirs)
    assert one.repository.get(ledger.id).entries == ["a", "two's"]
