"""Stream wiring: every domain topic, in batches, into the projection; nothing dropped silently.

runtime.stream.Subscription hands one event at a time to an Inbox, and faust commits its
offset once the handler returns. A projection into ClickHouse wants batches, and an offset
may be committed only after its event is flushed, so analytics takes batches without
acknowledgement (`noack_take`) and acknowledges each batch once it is stored or dead-lettered.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

import faust
from prometheus_client import Counter, Gauge, Histogram
from pydantic import ValidationError

from contracts.deadletter import DeadLetterReason
from contracts.registry import UnknownEventType, parse
from contracts.topics import DOMAIN_TOPICS, TopicSpec
from runtime.deadletters import DeadLetters
from runtime.inbox import Outcome
from runtime.metrics import EVENTS_CONSUMED
from services.analytics.application import Projected
from services.analytics.domain import Consumed

log = logging.getLogger(__name__)

PROJECTED = Counter("analytics_events_projected_total", "Events stored in ClickHouse", ["type"])
BATCH_SIZE = Histogram(
    "analytics_projection_batch_size", "Events per projection batch",
    buckets=(1, 5, 10, 25, 50, 100, 250, 500, 1000),
)
LAG = Gauge("analytics_projection_lag_events", "Events consumed from Kafka but not yet flushed")

Project = Callable[[Sequence[Consumed]], Projected]
Batch = list[tuple[Any, Consumed]]
T = TypeVar("T")


class ProjectionConsumer:
    """Feeds batches of consumed events to the projection, with retries and dead letters."""

    def __init__(
        self,
        *,
        project: Project,
        dead_letters: DeadLetters,
        service: str,
        topics: Sequence[TopicSpec] = DOMAIN_TOPICS,
        batch_size: int = 500,
        flush_interval_s: float = 0.2,
        max_attempts: int = 3,
        backoff_s: float = 0.2,
    ) -> None:
        self.project = project
        self.dead_letters = dead_letters
        self.service = service
        self.topics = topics
        self.batch_size = batch_size
        self.flush_interval_s = flush_interval_s
        self.max_attempts = max_attempts
        self.backoff_s = backoff_s

    def attach(self, app: faust.App) -> None:
        """Register one agent over all the topics: a batch fills from any of them."""
        channel = app.topic(
            *(topic.name for topic in self.topics), value_serializer="raw", key_serializer="raw"
        )
        app.agent(channel, name=f"{self.service}.projection")(self._consume)

    async def _consume(self, stream: Any) -> None:
        stream.add_processor(_count_consumed)
        async for events in stream.noack_take(self.batch_size, within=self.flush_interval_s):
            try:
                await self.handle_batch([event.message for event in events])
            finally:
                LAG.dec(len(events))
            # Only now may the offsets be committed; a failure above leaves them for redelivery.
            for event in events:
                await stream.ack(event)

    async def handle_batch(self, messages: Sequence[Any]) -> None:
        """Project a batch of messages; each ends stored, a duplicate, or dead-lettered."""
        BATCH_SIZE.observe(len(messages))
        batch = [(m, consumed) for m in messages if (consumed := await self._parse(m))]
        if not batch or await self._project_with_retries(batch):
            return
        # The batch keeps failing: apply its events one by one, so only the bad ones go.
        for item in batch:
            try:
                await self._project([item])
            except Exception as error:
                await self.dead_letters.send(
                    item[0], reason=DeadLetterReason.HANDLER_FAILED, error=error,
                    attempts=self.max_attempts + 1,
                )

    async def _parse(self, message: Any) -> Consumed | None:
        try:
            return Consumed(*parse(message.value))
        except UnknownEventType as error:
            failure = (DeadLetterReason.UNKNOWN_TYPE, error)
        except ValidationError as error:
            failure = (DeadLetterReason.SCHEMA_INVALID, error)
        except (ValueError, TypeError) as error:
            failure = (DeadLetterReason.UNPARSEABLE, error)
        reason, error = failure
        await self.dead_letters.send(message, reason=reason, error=error, attempts=1)
        return None

    async def _project_with_retries(self, batch: Batch) -> bool:
        for attempt in range(1, self.max_attempts + 1):
            try:
                await self._project(batch)
            except Exception as error:
                log.warning(
                    "projection batch failed",
                    extra={"attempt": attempt, "error": repr(error), "events": len(batch)},
                )
                if attempt < self.max_attempts:
                    await asyncio.sleep(self.backoff_s * attempt)
            else:
                return True
        return False

    async def _project(self, batch: Batch) -> None:
        events = [consumed for _, consumed in batch]
        projected = await _to_completion(asyncio.to_thread(self.project, events))
        stored = {str(consumed.envelope.id) for consumed in projected.stored}
        for message, consumed in batch:
            event_id = str(consumed.envelope.id)
            outcome = Outcome.HANDLED if event_id in stored else Outcome.DUPLICATE
            stored.discard(event_id)
            EVENTS_CONSUMED.labels(self.service, message.topic, outcome.value).inc()
            if outcome is Outcome.HANDLED:
                PROJECTED.labels(consumed.envelope.type).inc()
        log.info(
            "projected batch",
            extra={"stored": len(projected.stored), "duplicates": projected.duplicates},
        )


def _count_consumed(value: T) -> T:
    LAG.inc()
    return value


async def _to_completion(work: Awaitable[T]) -> T:
    # A write in a worker thread cannot be interrupted: on cancellation (shutdown) wait for it,
    # so the store is not closed under it, then stop.
    task = asyncio.ensure_future(work)
    try:
        return await asyncio.shield(task)
    except asyncio.CancelledError:
        await task
        raise
