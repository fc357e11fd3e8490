"""Event-sourced applications on SQLite (default) or PostgreSQL, chosen by URL."""

from __future__ import annotations

import contextlib
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import unquote, urlparse

from eventsourcing.application import Application, Repository
from eventsourcing.domain import Aggregate, event
from eventsourcing.persistence import IntegrityError, ProcessRecorder

from contracts.envelope import NAMESPACE, DomainEvent, Envelope
from runtime import tracing
from runtime.batch_commit import batch_commit_for


def persistence_env(url: str) -> dict[str, str]:
    """The eventsourcing environment for a `sqlite:///path` or `postgresql://` URL."""
    # Both process recorders seal every event into the audit chain in the transaction that
    # stores it, and create the tables append-only (runtime.sealed_store).
    parsed = urlparse(url)
    if parsed.scheme == "sqlite":
        path = Path(unquote(parsed.path.removeprefix("/")) if parsed.netloc == "" else parsed.path)
        if str(path) != ":memory:":
            path.parent.mkdir(parents=True, exist_ok=True)
        return {
            "PERSISTENCE_MODULE": "eventsourcing.sqlite",
            "SQLITE_DBNAME": str(path),
            "SQLITE_LOCK_TIMEOUT": "10",
            "PROCESS_RECORDER_TOPIC": "runtime.sealed_store:SealingSQLiteProcessRecorder",
        }
    if parsed.scheme in ("postgres", "postgresql"):
        return {
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "POSTGRES_DBNAME": parsed.path.lstrip("/"),
            "POSTGRES_HOST": parsed.hostname or "127.0.0.1",
            "POSTGRES_PORT": str(parsed.port or 5432),
            "POSTGRES_USER": unquote(parsed.username or "postgres"),
            "POSTGRES_PASSWORD": unquote(parsed.password or ""),
            "PROCESS_RECORDER_TOPIC": "runtime.sealed_store:SealingPostgresProcessRecorder",
        }
    raise ValueError(f"unsupported event store URL scheme {parsed.scheme!r}: {url}")


@dataclass(frozen=True)
class Cause:
    """The consumed event that a change is the effect of."""

    event_id: uuid.UUID
    consumer: str
    # What the event changes besides the handler's own effects (the complaint's lifecycle
    # status), read afresh for every save so that a retried save applies it to the new state.
    also: Callable[[], Sequence[Aggregate]] = field(default=tuple, compare=False, repr=False)


class Processed(Aggregate):
    """Marks that a consumer has applied the effects of one incoming event."""

    @staticmethod
    def create_id(consumer: str, event_id: uuid.UUID) -> uuid.UUID:
        return uuid.uuid5(NAMESPACE, f"processed/{consumer}/{event_id}")

    @event("Recorded")
    def __init__(self, consumer: str, event_id: uuid.UUID) -> None:
        self.consumer = consumer
        self.event_id = event_id


def replayed(aggregate: Any, events: Iterable[Any]) -> Any:
    """The aggregate after `events` (its snapshot and the events since, or all of them): what
    eventsourcing's `project_aggregate` does, without its `assert isinstance(event,
    CanMutateProtocol)` on every event, a check of a runtime-checkable Protocol that took a
    quarter of dispatch's replaying (py-spy, bench/README.md). Every stored event mutates."""
    for stored in events:
        aggregate = stored.mutate(aggregate)
    return aggregate


class StoreRepository(Repository[uuid.UUID]):
    """eventsourcing's Repository, three of its costs taken out (#18): whether an aggregate
    exists is one stored row read, not its history replayed and decoded (the inbox asks it of
    every consumed event); replaying is `replayed`; and an aggregate of a type the application
    keeps loaded comes back from the last save of it, brought up to date by the events stored
    since (a department's desk holds every complaint it holds: decoding it whole was a third
    of dispatch's CPU).

    A kept aggregate is used only if the store still has, at its version, the very event it
    was saved with: a save rolled back (a batch's savepoint, a failed commit) or overtaken by
    another writer is found so, and the aggregate is rebuilt from the store. It is taken out
    while in use, so no two threads share one; it comes back only with a save, never with
    changes nobody saved. (eventsourcing's own cache fast-forwards its object in place from
    reads that a rollback may undo: bench/README.md.)"""

    def __init__(self, *args: Any, keep: tuple[type, ...] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.keep = keep
        self._kept: dict[uuid.UUID, tuple[Aggregate, Any]] = {}
        self._kept_lock = threading.Lock()

    def __contains__(self, aggregate_id: object) -> bool:
        return bool(self.event_store.recorder.select_events(aggregate_id, limit=1))  # type: ignore[arg-type]

    def get(self, aggregate_id: uuid.UUID, *, version: int | None = None,
            projector_func: Any = replayed, **options: Any) -> Any:
        if version is None and (kept := self._take_kept(aggregate_id)) is not None:
            return kept
        return super().get(aggregate_id, version=version, projector_func=projector_func,
                           **options)

    def saving(self, aggregates: Sequence[Any]) -> Callable[[], None]:
        """Before a save: what to call once it is recorded, to keep the aggregates of kept
        types with the last event each is saved with."""
        lasts = [(a, a.pending_events[-1]) for a in aggregates
                 if isinstance(a, self.keep) and a.pending_events]

        def saved() -> None:
            with self._kept_lock:
                self._kept.update((a.id, (a, last)) for a, last in lasts)
        return saved

    def _take_kept(self, aggregate_id: uuid.UUID) -> Any:
        with self._kept_lock:
            kept = self._kept.pop(aggregate_id, None)
        if kept is None:
            return None
        aggregate, last = kept
        since = iter(self.event_store.get(originator_id=aggregate_id, gt=aggregate.version - 1))
        if next(since, None) != last:
            return None
        return replayed(aggregate, since)


class ServiceApplication(Application[uuid.UUID]):
    """An application whose saves can carry the record of the event that caused them."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._noting = threading.local()  # noting_saves, per thread

    # Aggregate types whose long histories are kept loaded between saves (StoreRepository).
    kept_loaded: ClassVar[tuple[type, ...]] = ()

    def construct_repository(self) -> Repository[uuid.UUID]:
        return StoreRepository(event_store=self.events, snapshot_store=self.snapshots,
                               keep=self.kept_loaded)

    def construct_recorder(self) -> ProcessRecorder:
        recorder = self.factory.process_recorder()
        self._batches = batch_commit_for(recorder)
        return recorder

    def batch(self) -> contextlib.AbstractContextManager[None]:
        """Run the block's saves in one transaction of the store, committed once at its end
        (runtime.batch_commit); in this thread only."""
        return self._batches.batch()

    def savepoint(self) -> contextlib.AbstractContextManager[None]:
        """Within a batch: a part undone alone when it raises."""
        return self._batches.savepoint()

    def prepare(self, events: Sequence[tuple[Envelope, DomainEvent]]) -> None:
        """Before a consumed batch's transaction (runtime.inbox): work done once for all its
        events rather than once per event; intake classifies a batch's submissions together.
        Nothing by default."""

    @property
    def process_recorder(self) -> ProcessRecorder:
        """The recorder, which also keeps tracking positions (e.g. the outbox relay's)."""
        return self.recorder  # type: ignore[return-value]

    def save(self, *objs: Any, cause: Cause | None = None, **kwargs: Any) -> Any:
        """Save aggregates; with a cause, atomically with the record that it was processed."""
        if cause is not None:
            objs = (Processed(cause.consumer, cause.event_id), *objs, *cause.also())
        saved = self.repository.saving(objs)  # type: ignore[attr-defined]
        recordings = super().save(*objs, **kwargs)
        saved()
        noted = getattr(self._noting, "causes", None)
        if cause is not None and noted is not None:
            noted.add(cause)
        return recordings

    @contextlib.contextmanager
    def noting_saves(self) -> Iterator[set[Cause]]:
        """The causes this thread saves the record of within the block, as it saves them: the
        inbox learns whether its handler recorded the event without reading the store back."""
        noted: set[Cause] = set()
        outer, self._noting.causes = getattr(self._noting, "causes", None), noted
        try:
            yield noted
        finally:
            self._noting.causes = outer  # a block within another (a test's) hands back

    def _record(self, processing_event: Any) -> Any:
        tracing.stamp(processing_event.events)  # the trace goes wherever the events are published
        return super()._record(processing_event)

    def acknowledge(self, cause: Cause) -> None:
        """Record that an event was processed and deliberately had no effect."""
        self.save(cause=cause)

    def has_processed(self, cause: Cause) -> bool:
        """Whether the effects of this event are already stored."""
        return Processed.create_id(cause.consumer, cause.event_id) in self.repository


__all__ = ["Cause", "IntegrityError", "Processed", "ServiceApplication", "persistence_env"]
