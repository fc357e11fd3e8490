"""Everything a service runs besides its own code: producer, relay, agents, lifespan."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from aiokafka.admin import AIOKafkaAdminClient
from faust.contrib.asgi import faust_app_running

from contracts.envelope import DomainEvent, Envelope
from contracts.topics import TopicSpec
from runtime import lifecycle
from runtime.attribution import FirstEvents
from runtime.background import in_background
from runtime.bus import build_faust_app, build_producer
from runtime.deadletters import DeadLetters, Payloads
from runtime.eventstore import ServiceApplication
from runtime.inbox import Handler, Inbox
from runtime.kafka_access import client_options
from runtime.lag import LagMonitor
from runtime.lease import lease_for
from runtime.outbox import OutboxRelay
from runtime.settings import Settings
from runtime.stream import Subscription
from runtime.topic_tail import ids_since

log = logging.getLogger(__name__)


class Runtime(Protocol):
    """What a service's HTTP app (runtime.http) runs and asks: every service's runtime has this
    shape, the event-sourced ones (ServiceRuntime) and analytics' projection alike. `roles()`
    and `warnings()` (dicts of names) are shown on /readyz by the runtimes that have them."""

    settings: Settings

    def running(self) -> contextlib.AbstractAsyncContextManager[None]:
        """Start consuming and publishing; stop on exit."""

    def readiness(self) -> dict[str, bool]:
        """Checks that decide whether this replica should receive traffic."""


@dataclass
class ServiceRuntime:
    """A service's event store, its outbox relay and its subscriptions, started together."""

    settings: Settings
    app: ServiceApplication
    topic: TopicSpec
    translate: Callable[[Any], Envelope | None]
    subscriptions: Mapping[TopicSpec, Mapping[type[DomainEvent], Handler]] = field(
        default_factory=dict
    )
    started: bool = False
    # Conditions an operator should see on /readyz that do not stop the replica serving.
    advisories: list[Callable[[], Mapping[str, str]]] = field(default_factory=list)
    # What dead letters keep of a payload (runtime.deadletters); by default, as it came.
    payloads: Payloads | None = None

    @classmethod
    def publishing(
        cls, *, settings: Settings, app: ServiceApplication, topic: TopicSpec,
        translator: Callable[..., Callable[[Any], Envelope | None]],
        subscriptions: Mapping[TopicSpec, Mapping[type[DomainEvent], Handler]], **options: Any,
    ) -> ServiceRuntime:
        """The runtime every event-sourced service builds: `app`'s events published on `topic`
        by the service's `published.translator`, given the settings' source and, for events
        stored before attribution, their aggregates' first events."""
        translate = translator(source=settings.source,
                               first_events=FirstEvents(app.events, service=settings.service))
        return cls(settings=settings, app=app, topic=topic, translate=translate,
                   subscriptions=subscriptions, **options)

    def __post_init__(self) -> None:
        # Every service keeps the complaint's lifecycle status from the stages' topics.
        self.subscriptions = {**{topic: {} for topic in lifecycle.TOPICS}, **self.subscriptions}
        # aiokafka binds clients to the running loop, so the producer is made in `running`.
        # One replica relays at a time: the holder of the lease (runtime.lease).
        self.relay = OutboxRelay(
            app=self.app, translate=self.translate, producer=None, topic=self.topic,
            service=self.settings.service, batch_size=self.settings.relay_batch_size,
            interval_s=self.settings.relay_interval_s,
            lease=lease_for(service=self.settings.service, task=f"outbox:{self.topic.name}",
                            database_url=self.settings.event_store_url,
                            data_dir=self.settings.data_dir),
            published_ids=lambda since: ids_since(self.settings, self.topic.name, since),
        )
        self.faust_app = build_faust_app(self.settings)
        self.dead_letters = dead_letters = DeadLetters(
            producer=None, service=self.settings.service, payloads=self.payloads
        )
        self.lag = LagMonitor(
            service=self.settings.service,
            topics=[topic.name for topic in self.subscriptions],
            stall_after_s=self.settings.consumer_stall_after_s,
        )
        for topic, handlers in self.subscriptions.items():
            inbox = Inbox(app=self.app, consumer=self.settings.service, handlers=handlers)
            Subscription(
                topic=topic, inbox=inbox, dead_letters=dead_letters, service=self.settings.service,
                max_attempts=self.settings.consumer_max_attempts,
                backoff_s=self.settings.consumer_retry_backoff_s,
                on_progress=self._progressed, batch_size=self.settings.consumer_batch_size,
                batch_within_s=self.settings.consumer_batch_within_s,
            ).attach(self.faust_app)

    def _progressed(self, topic: str, partition: int, offset: int) -> None:
        self.lag.advanced(topic, partition, offset)
        self.relay.wake()  # publish the effects now rather than at the next poll

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        """Start the producer, the relay and the agents; stop them in reverse order."""
        self.producer = self.relay.producer = self.dead_letters.producer = build_producer(
            self.settings
        )
        await self.producer.start()
        try:
            async with in_background(self.relay.run(), "outbox-relay"):
                if self.subscriptions:
                    async with faust_app_running(self.faust_app, stop_timeout=10):
                        self.started = True
                        async with self._watching_lag():
                            yield
                else:
                    self.started = True
                    yield
        finally:
            self.started = False
            await self.producer.stop()
            self.app.close()

    @contextlib.asynccontextmanager
    async def _watching_lag(self) -> AsyncIterator[None]:
        admin = AIOKafkaAdminClient(**client_options(self.settings))
        await admin.start()
        group = self.faust_app.conf.id

        async def offsets() -> tuple[dict, dict]:
            assigned = [tp for tp in self.faust_app.consumer.assignment()
                        if tp.topic in self.lag.topics]
            ends = await self.faust_app.consumer.highwaters(*assigned) if assigned else {}
            committed = await admin.list_consumer_group_offsets(group)
            return (
                {(tp.topic, tp.partition): end for tp, end in ends.items()},
                {(tp.topic, tp.partition): meta.offset for tp, meta in committed.items()},
            )

        try:
            watch = self.lag.watch(offsets, self.settings.consumer_lag_interval_s)
            async with in_background(watch, "lag-monitor"):
                yield
        finally:
            await admin.close()

    def readiness(self) -> dict[str, bool]:
        """Checks that decide whether this replica should receive traffic."""
        checks = {
            "started": self.started,
            "relay": self.relay.healthy(),
            "consuming": not self.lag.stalled,
        }
        try:
            self.app.recorder.max_notification_id()
            checks["event_store"] = True
        except Exception:
            log.exception("event store not reachable")
            checks["event_store"] = False
        return checks

    def roles(self) -> dict[str, str]:
        """This replica's role (leader or standby) in each task one replica runs at a time;
        a standby is ready all the same."""
        return {"outbox-relay": self.relay.role}

    def warnings(self) -> dict[str, str]:
        """Non-fatal findings shown beside the readiness checks, by name."""
        found: dict[str, str] = {}
        for advisory in self.advisories:
            found.update(advisory())
        return found
