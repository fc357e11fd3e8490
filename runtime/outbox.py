"""Publishes a service's notification log to its Kafka topic, in order, exactly as stored.

One replica publishes at a time: the holder of the relay's lease (runtime.lease), confirmed
before every batch. Before sending a batch the relay records that it claims it; after the
broker's acks it records its position. A leader killed between the two leaves a claim past the
position: its successor (or this relay after a failed batch) reads back the topic's ids from
shortly before the claimed events were stored and publishes only those missing, so a failover
publishes no event twice (runtime.topic_tail).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

from aiokafka import AIOKafkaProducer
from eventsourcing.persistence import IntegrityError, Tracking

from contracts.envelope import Envelope
from contracts.topics import TopicSpec
from runtime import tracing
from runtime.background import in_thread
from runtime.eventstore import ServiceApplication
from runtime.lease import Lease
from runtime.metrics import EVENTS_PUBLISHED, OUTBOX_LAG

log = logging.getLogger(__name__)

# Messages are stamped when sent, after their event was stored, perhaps on another machine:
# recovery reads the topic from this long before the oldest claimed event.
CLOCK_SKEW = timedelta(minutes=5)


class OutboxRelay:
    """Reads stored events after the last acknowledged position and publishes them."""

    def __init__(
        self,
        *,
        app: ServiceApplication,
        translate: Callable[[Any], Envelope | None],
        producer: AIOKafkaProducer | None,
        topic: TopicSpec,
        service: str,
        batch_size: int = 500,
        interval_s: float = 0.05,
        lease: Lease | None = None,
        published_ids: Callable[[datetime], Awaitable[set[str]]] | None = None,
    ) -> None:
        self.app = app
        self.translate = translate
        self.producer = producer
        self.topic = topic
        self.service = service
        self.batch_size = batch_size
        self.interval_s = interval_s
        self.position_name = f"outbox:{topic.name}"
        self.lease = lease  # None: the only replica (tests, tools)
        self.published_ids = published_ids  # None: nothing to read back (in-memory tests)
        self._recovered = False
        self._wake = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._failing = False

    def position(self) -> int:
        """The last notification id the broker has acknowledged."""
        return self.app.process_recorder.max_tracking_id(self.position_name) or 0

    @property
    def claim_name(self) -> str:
        return f"{self.position_name}:claimed"

    def claimed(self) -> int:
        """The last notification id a leader began to publish."""
        return self.app.process_recorder.max_tracking_id(self.claim_name) or 0

    @property
    def role(self) -> str:
        """leader or standby."""
        return self.lease.role if self.lease is not None else "leader"

    def healthy(self) -> bool:
        """False while the last batch failed (broker or store unreachable)."""
        return not self._failing

    def wake(self) -> None:
        """Publish now rather than at the next poll; safe to call from any thread."""
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._wake.set)

    async def publish_pending(self) -> int:
        """Publish one batch if this replica leads; record the position once the broker
        acknowledged all of it."""
        if self.lease is not None and not self.lease.leading and not await self.leading():
            return 0  # a standby
        # The store's reads and commits run in a thread: on the event loop they held up the
        # HTTP requests and the consumers of this process for as long as each took.
        notifications = await in_thread(self._pending)
        if not notifications:
            OUTBOX_LAG.labels(self.service).set(0)
            return 0
        if not await self.leading():  # confirmed before every batch
            return 0
        if not self._recovered:
            await self.recover()
            notifications = await in_thread(self._pending)
            if not notifications:
                return 0
        last = notifications[-1].id
        envelopes = await in_thread(self._claim, notifications)
        sent = await self._send(envelopes)
        newest = await in_thread(self._acknowledged, last)
        EVENTS_PUBLISHED.labels(self.service, self.topic.name).inc(sent)
        OUTBOX_LAG.labels(self.service).set(newest - last)
        return len(notifications)

    def _claim(self, notifications: Any) -> list[Envelope]:
        self._record(self.claim_name, notifications[-1].id)
        return self._envelopes(notifications)

    def _acknowledged(self, last: int) -> int:
        """Record the position the broker acknowledged; the newest notification id."""
        self._record(self.position_name, last)
        return self.app.recorder.max_notification_id() or 0

    def _pending(self) -> Any:
        return self.app.recorder.select_notifications(
            self.position(), self.batch_size, inclusive_of_start=False)

    async def leading(self) -> bool:
        """Whether this replica may publish now: its lease confirmed this instant. A standby
        asks for the lease at most once a heartbeat; a new leader recovers first."""
        if self.lease is None:
            return True
        if not self.lease.leading and not self.lease.due_for_heartbeat():
            return False
        was = self.lease.leading
        now = await in_thread(self.lease.held)
        if now and not was:
            self._recovered = False
        return now

    async def recover(self) -> None:
        """Publish what was claimed but not recorded, except what the topic already has."""
        position, claimed = self.position(), self.claimed()
        if claimed > position and self.published_ids is not None:
            in_doubt = self.app.recorder.select_notifications(
                position, self.batch_size, stop=claimed, inclusive_of_start=False)
            envelopes = self._envelopes(in_doubt)
            since = min((e.time for e in envelopes), default=None)
            published = await self.published_ids(since - CLOCK_SKEW) if since else set()
            missing = [e for e in envelopes if str(e.id) not in published]
            sent = await self._send(missing)
            self._record(self.position_name, in_doubt[-1].id if in_doubt else claimed)
            EVENTS_PUBLISHED.labels(self.service, self.topic.name).inc(sent)
            log.info("relay resumed a claimed batch", extra={
                "topic": self.topic.name, "claimed": len(envelopes),
                "already_published": len(envelopes) - len(missing)})
        self._recovered = True

    def _envelopes(self, notifications: Any) -> list[Envelope]:
        envelopes = []
        for notification in notifications:
            stored = self.app.mapper.to_domain_event(notification)
            envelope = self.translate(stored)  # the event alone says what to publish
            if envelope is not None:
                envelopes.append(envelope)
        return envelopes

    async def _send(self, envelopes: list[Envelope]) -> int:
        acks = [
            await self.producer.send(
                self.topic.name,
                value=envelope.model_dump_json().encode(),
                key=envelope.subject.encode(),
                headers=tracing.kafka_headers(envelope),
            )
            for envelope in envelopes
        ]
        await asyncio.gather(*acks)
        return len(acks)

    def _record(self, name: str, notification_id: int) -> None:
        try:
            self.app.process_recorder.insert_tracking(Tracking(name, notification_id))
        except IntegrityError:
            # A relay recorded this far or further already: it published these too (a replica
            # before leases, or a leader that lost its lease mid-batch).
            log.info("another relay is ahead",
                     extra={"tracking": name, "position": notification_id})

    async def run(self) -> None:
        """Relay while leading, until cancelled; a failed batch is resumed from its claim."""
        self._loop = asyncio.get_running_loop()
        try:
            while True:
                try:
                    while await self.publish_pending():
                        pass
                    if self.lease is not None and self.lease.due_for_heartbeat():
                        await self.leading()  # a standby asks; an idle leader keeps its lease
                    self._failing = False
                except Exception:
                    self._failing = True
                    self._recovered = False
                    log.exception("outbox relay batch failed", extra={"topic": self.topic.name})
                    await asyncio.sleep(1)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self.interval_s)
                self._wake.clear()
        finally:
            if self.lease is not None:
                self.lease.release()
