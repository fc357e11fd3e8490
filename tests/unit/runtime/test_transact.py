"""A save that lost to another writer is redone from the newer state, a bounded number of times."""

from __future__ import annotations

import uuid

import pytest
from eventsourcing.domain import Aggregate, event

from runtime.eventstore import Cause, IntegrityError, ServiceApplication, persistence_env
from runtime.transact import TooMuchContention, transact


class Counter(Aggregate):
    @event("Started")
    def __init__(self) -> None:
        self.value = 0

    @event("Incremented")
    def increment(self) -> None:
        self.value += 1


def replicas(tmp_path, cls: type[ServiceApplication] = ServiceApplication):
    """Two replicas of an application on one store, closed afterwards (a fixture's body)."""
    env = persistence_env(f"sqlite:///{tmp_path}/store.sqlite")
    one, two = cls(env=env), cls(env=env)
    yield one, two
    one.close()
    two.close()


@pytest.fixture
def apps(tmp_path):
    yield from replicas(tmp_path)


def counter(app: ServiceApplication) -> uuid.UUID:
    created = Counter()
    app.save(created)
    return created.id


def increment_after(app, other, counter_id, *, interferences: int, calls: list[int]):
    """A use case that loads, lets the other replica save first `interferences` times, saves."""

    def work() -> int:
        mine = app.repository.get(counter_id)
        if len(calls) < interferences:
            theirs = other.repository.get(counter_id)
            theirs.increment()
            other.save(theirs)
        calls.append(mine.version)
        mine.increment()
        app.save(mine)
        return mine.value

    return work


def test_a_conflict_is_redone_on_the_newer_state(apps):
    one, two = apps
    counter_id = counter(one)
    calls: list[int] = []
    conflicts: list[None] = []

    value = transact(one, increment_after(one, two, counter_id, interferences=1, calls=calls),
                     cause=None, attempts=3, conflicted=lambda: conflicts.append(None))

    assert value == 2  # the other replica's increment and this one
    assert calls == [1, 2]  # the second attempt loaded the version the other replica saved
    assert len(conflicts) == 1
    assert one.repository.get(counter_id).value == 2


def test_conflicts_past_the_attempts_give_up(apps):
    one, two = apps
    counter_id = counter(one)
    calls: list[int] = []

    with pytest.raises(TooMuchContention, match="gave up after 3 conflicting saves"):
        transact(one, increment_after(one, two, counter_id, interferences=5, calls=calls),
                 cause=None, attempts=3)

    assert len(calls) == 3
    assert one.repository.get(counter_id).value == 3  # only the other replica's saves
    assert issubclass(TooMuchContention, IntegrityError)  # callers catching conflicts still do


def test_a_cause_another_replica_applied_is_not_redone(apps):
    one, two = apps
    counter_id = counter(one)
    cause = Cause(event_id=uuid.uuid4(), consumer="test")
    calls: list[int] = []

    def work() -> None:
        mine = one.repository.get(counter_id)
        if not calls:  # the other replica applies the same event meanwhile
            theirs = two.repository.get(counter_id)
            theirs.increment()
            two.save(theirs, cause=cause)
        calls.append(mine.version)
        mine.increment()
        one.save(mine, cause=cause)

    with pytest.raises(IntegrityError) as raised:
        transact(one, work, cause=cause, attempts=5)

    assert type(raised.value) is IntegrityError  # the conflict itself: the inbox's duplicate
    assert calls == [1]  # not redone: its effect is stored once
    assert one.repository.get(counter_id).value == 1
    assert one.has_processed(cause)


def test_attempts_must_allow_one_run():
    with pytest.raises(ValueError, match="at least 1"):
        transact(None, lambda: None, cause=None, attempts=0)  # type: ignore[arg-type]
