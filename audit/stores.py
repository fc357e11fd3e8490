"""Each service's event store, opened read-only with the service's published translator, so a
stored event reads exactly as the service published it.

Audit depends on each service's `published` module only: a store is read by the runtime's
recorder under the name the service's application stores it with (its table prefix), never
through the service's application or settings, so no use case can run through it."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eventsourcing.persistence import Notification, ProgrammingError
from eventsourcing.postgres import PostgresFactory
from eventsourcing.utils import Environment, get_topic, resolve_topic
from psycopg.errors import UndefinedTable

from audit.config import AuditSettings
from contracts.envelope import Envelope
from runtime.attribution import FirstEvents
from runtime.chain import ChainEntry
from runtime.eventstore import ServiceApplication, persistence_env
from runtime.sealed_store import Row
from runtime.settings import Settings
from runtime.translation import Translator
from services.dispatch import published as dispatch_published
from services.intake import published as intake_published
from services.notify import published as notify_published
from services.resolution import published as resolution_published
from services.sla import published as sla_published
from services.work import published as work_published

PAGE = 1000


class StoreMissing(LookupError):
    """A service's event store does not exist where its URL points."""


@dataclass(frozen=True)
class Service:
    """How one service's store is read: its name, its store's name and translator wiring."""

    name: str
    # The name the service's application stores its events under (eventsourcing's application
    # name, the tables' prefix); tests/unit/audit checks it against the application class.
    store: str
    # The translator from the service's settings, the store's reader, and the look-up of old
    # events' tenant
    translator: Callable[[Settings, ServiceApplication, FirstEvents], Translator]
    # A deployment may run without it: the history then says its records are missing.
    optional: bool = False

    def settings(self, audit: AuditSettings) -> Settings:
        """The settings the service itself reads in this environment (store URL, source)."""
        return Settings(service=self.name, database_url=audit.database_url_of(self.name),
                        data_dir=audit.data_dir, tenant=audit.tenant)


def lifecycle(published: Any) -> Callable[[Settings, ServiceApplication, FirstEvents],
                                          Translator]:
    """A lifecycle service's translator: its source and the look-up of old events' tenant."""
    return lambda own, app, first: published.translator(source=own.source, first_events=first)


# The translators are wired as each service's bootstrap wires them for its outbox relay.
# The order breaks ties in a history: an event's causes come from services listed earlier.
SERVICES: tuple[Service, ...] = (
    Service("intake", "IntakeApplication", lifecycle(intake_published)),
    Service("dispatch", "DispatchApplication", lifecycle(dispatch_published)),
    Service("sla", "SlaApplication", lifecycle(sla_published)),
    Service("resolution", "ResolutionApplication", lifecycle(resolution_published)),
    # Delivery records (what was sent, channel, when, outcome; never a body or an address)
    # and manual tags: not lifecycle facts, so listed last.
    Service(
        "notify", "NotifyApplication",
        lambda own, app, first: notify_published.translator(
            source=own.source, app=app, first_events=first),
        optional=True,
    ),
    Service(
        "work", "WorkApplication",
        lambda own, app, first: work_published.translator(source=own.source),
        optional=True,
    ),
)


@dataclass(frozen=True)
class Record:
    """One stored event of a complaint: its raw row as sealed, and its published envelope."""

    service: str
    row: Row
    envelope: Envelope

    @property
    def position(self) -> int:
        return self.row[0]


class ReadOnlyPostgresFactory(PostgresFactory):
    """PostgreSQL persistence whose every session refuses to write."""

    def __init__(self, env: Environment) -> None:
        super().__init__(env)
        # Set before the pool opens (lazily, on first use), so no session is made without it.
        self.datastore.pool.kwargs["options"] = "-c default_transaction_read_only=on"


def read_only_env(url: str) -> dict[str, str]:
    """The eventsourcing environment of an existing store, which it may read and never write."""
    env = {**persistence_env(url), "CREATE_TABLE": "no"}
    if env["PERSISTENCE_MODULE"] == "eventsourcing.sqlite":
        path = Path(env["SQLITE_DBNAME"])
        if not path.is_file():
            raise StoreMissing(f"no event store at {path}")
        env["SQLITE_DBNAME"] = f"{path.resolve().as_uri()}?mode=ro"
    else:
        env["PERSISTENCE_MODULE"] = get_topic(ReadOnlyPostgresFactory)
    return env


class StoreReader(ServiceApplication):
    """A service's store with the runtime's persistence only (recorder, mapper, audit chain)
    and none of the collaborators the service's application takes, so no use case runs."""


def reader(store: str, env: Mapping[str, str]) -> ServiceApplication:
    """A reader of the store the service's application named `store` writes."""
    return type(store, (StoreReader,), {"name": store})(env=env)


class ServiceStore:
    """A service's events and audit chain, read through the service's own mapper."""

    def __init__(self, service: Service, url: str, settings: Settings) -> None:
        self.name = service.name
        self.url = url
        self.app = reader(service.store, read_only_env(url))
        self._check_exists()
        self.translate = service.translator(
            settings, self.app, FirstEvents(self.app.events, service=f"audit-{self.name}"))
        self._published: dict[str, bool] = {}

    def rows(self) -> Iterator[Row]:
        """Every stored event in position order, read page by page."""
        start = None
        while notifications := self.app.recorder.select_notifications(
            start, PAGE, inclusive_of_start=False
        ):
            for n in notifications:
                yield n.id, str(n.originator_id), n.originator_version, n.topic, n.state
            start = notifications[-1].id

    def snapshot(self) -> tuple[list[Row], list[ChainEntry]]:
        """Every stored event and every chain entry, from one consistent read."""
        return self.app.recorder.select_chain()

    def envelope(self, row: Row) -> Envelope | None:
        """The envelope the service published for this row; None for internal events."""
        position, originator_id, version, topic, state = row
        if not self._is_published(topic):
            return None
        stored = Notification(
            id=position, originator_id=_as_id(originator_id), originator_version=version,
            topic=topic, state=bytes(state),
        )
        return self.translate(self.app.mapper.to_domain_event(stored))

    def records(
        self, rows: Iterable[Row], wanted: Callable[[Envelope], bool]
    ) -> list[Record]:
        """The rows whose envelopes are wanted, with their envelopes, in position order."""
        found = []
        for row in rows:
            envelope = self.envelope(row)
            if envelope is not None and wanted(envelope):
                found.append(Record(self.name, row, envelope))
        return found

    def close(self) -> None:
        self.app.close()

    def _check_exists(self) -> None:
        # A PostgreSQL database holds every service's tables, so a service that never ran
        # (notify, work) shows as a table that is not there.
        try:
            self.app.recorder.max_notification_id()
        except (ProgrammingError, UndefinedTable) as error:
            self.app.close()
            raise StoreMissing(f"no event store of {self.name} at {self.url}") from error

    def _is_published(self, topic: str) -> bool:
        # Internal events (processed markers, idempotency keys) are never decoded.
        if topic not in self._published:
            self._published[topic] = resolve_topic(topic) in self.translate.mappings
        return self._published[topic]


def _as_id(originator_id: str) -> uuid.UUID | str:
    try:
        return uuid.UUID(originator_id)
    except ValueError:
        return originator_id


def open_stores(settings: AuditSettings) -> list[ServiceStore]:
    """Every service's store, at the URL and with the translator that service itself uses;
    an optional service's store that does not exist is left out (see missing_services)."""
    stores: list[ServiceStore] = []
    try:
        for service in SERVICES:
            own = service.settings(settings)
            try:
                stores.append(ServiceStore(service, own.event_store_url, own))
            except StoreMissing:
                if not service.optional:
                    raise
    except BaseException:
        close_stores(stores)
        raise
    return stores


def missing_services(stores: Iterable[ServiceStore]) -> list[str]:
    """The services whose stores were not opened, whose records a history therefore lacks."""
    opened = {store.name for store in stores}
    return [service.name for service in SERVICES if service.name not in opened]


def close_stores(stores: list[ServiceStore]) -> None:
    """Release every store's connections."""
    for store in stores:
        store.close()
