"""Publishes a service's notification log to its Kafka topic, in order, exactly as stored."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Any

from aiokafka import AIOKafkaProducer
from eventsourcing.persistence import IntegrityError, Tracking

from contracts.envelope import Envelope
from contracts.topics import TopicSpec
from runtime.eventstore import ServiceApplication
from runtime.metrics import EVENTS_PUBLISHED, OUTBOX_LAG

log = logging.getLogger(__name__)


class OutboxRelay:
    """Reads stored events after the last acknowledged position and publishes them."""

    def __init__(
        self,
        *,
        app: ServiceApplication,
        translate: Callable[[Any, str | None], Envelope | None],
        producer: AIOKafkaProducer | None,
        topic: TopicSpec,
        service: str,
        batch_size: int = 500,
        interval_s: float = 0.05,
    ) -> None:
        self.app = app
        self.translate = translate
        self.producer = producer
        self.topic = topic
        self.service = service
        self.batch_size = batch_size
        self.interval_s = interval_s
        self.position_name = f"outbox:{topic.name}"
        self._wake = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._failing = False
        self._tenants: dict[Any, str | None] = {}

    def position(self) -> int:
        """The last notification id the broker has acknowledged."""
        return self.app.process_recorder.max_tracking_id(self.position_name) or 0

    def healthy(self) -> bool:
        """False while the last batch failed (broker or store unreachable)."""
        return not self._failing

    def wake(self) -> None:
        """Publish now rather than at the next poll; safe to call from any thread."""
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._wake.set)

    async def publish_pending(self) -> int:
        """Publish one batch; record the position only once the broker acknowledged all of it."""
        start = self.position()
        notifications = self.app.recorder.select_notifications(
            start, self.batch_size, inclusive_of_start=False
        )
        if not notifications:
            OUTBOX_LAG.labels(self.service).set(0)
            return 0
        acks = []
        for notification in notifications:
            stored = self.app.mapper.to_domain_event(notification)
            envelope = self.translate(stored, self._tenant_of(stored))
            if envelope is None:
                continue
            acks.append(
                await self.producer.send(
                    self.topic.name,
                    value=envelope.model_dump_json().encode(),
                    key=envelope.subject.encode(),
                )
            )
        await asyncio.gather(*acks)
        last = notifications[-1].id
        try:
            self.app.process_recorder.insert_tracking(Tracking(self.position_name, last))
        except IntegrityError:
            # Another replica's relay recorded a position at or past ours: it published these
            # too, and consumers drop the second copy by event id.
            log.info("another relay is ahead", extra={"position": last})
        EVENTS_PUBLISHED.labels(self.service, self.topic.name).inc(len(acks))
        OUTBOX_LAG.labels(self.service).set((self.app.recorder.max_notification_id() or 0) - last)
        return len(notifications)

    def _tenant_of(self, stored: Any) -> str | None:
        """Only an aggregate's first event names its tenant; later ones inherit it."""
        tenant = getattr(stored, "tenant", None)
        if tenant:
            self._tenants[stored.originator_id] = tenant
            return tenant
        if stored.originator_id not in self._tenants:
            first = next(iter(self.app.events.get(stored.originator_id, lte=1)), None)
            self._tenants[stored.originator_id] = getattr(first, "tenant", None)
        return self._tenants[stored.originator_id]

    async def run(self) -> None:
        """Relay until cancelled; a failed batch is retried from the recorded position."""
        self._loop = asyncio.get_running_loop()
        while True:
            try:
                while await self.publish_pending():
                    pass
                self._failing = False
            except Exception:
                self._failing = True
                log.exception("outbox relay batch failed", extra={"topic": self.topic.name})
                await asyncio.sleep(1)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.interval_s)
            self._wake.clear()
