"""Batches of consumed messages into the projection; nothing dropped silently.

Each batch ends with every message stored, recognised as a duplicate, or dead-lettered, and
with the last offset of each partition recorded in ClickHouse beside the batch
(runtime.positioned_stream seeks to those positions, so Kafka's committed offsets are only a
courtesy to lag tools). Messages are read and dead-lettered as every service's are
(runtime.stream).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from prometheus_client import Counter, Histogram

from contracts.deadletter import DeadLetterReason
from runtime import tracing
from runtime.background import in_thread
from runtime.deadletters import DeadLetters
from runtime.inbox import Outcome
from runtime.metrics import EVENTS_CONSUMED
from runtime.positioned_stream import last_offsets
from runtime.stream import parsed_or_dead_lettered
from services.analytics.application import Position, Projected
from services.analytics.domain import Consumed

log = logging.getLogger(__name__)

PROJECTED = Counter("analytics_events_projected_total", "Events stored in ClickHouse", ["type"])
BATCH_SIZE = Histogram(
    "analytics_projection_batch_size", "Events per projection batch",
    buckets=(1, 5, 10, 25, 50, 100, 250, 500, 1000),
)

Project = Callable[[Sequence[Consumed], Mapping[Position, int]], Projected]
RecordPositions = Callable[[Mapping[Position, int]], None]
Batch = list[tuple[Any, Consumed]]


class ProjectionConsumer:
    """Feeds batches of consumed events to the projection, with retries and dead letters."""

    def __init__(
        self,
        *,
        project: Project,
        record_positions: RecordPositions,
        dead_letters: DeadLetters,
        store_answers: Callable[[], bool] = lambda: True,
        service: str,
        max_attempts: int = 3,
        backoff_s: float = 0.2,
    ) -> None:
        self.project = project
        self.record_positions = record_positions
        self.store_answers = store_answers
        self.dead_letters = dead_letters
        self.service = service
        self.max_attempts = max_attempts
        self.backoff_s = backoff_s

    async def handle_batch(self, messages: Sequence[Any]) -> None:
        """Project a batch of messages; each ends stored, a duplicate, or dead-lettered."""
        BATCH_SIZE.observe(len(messages))
        positions = last_offsets(messages)
        batch = [(m, consumed) for m in messages if (consumed := await self._parse(m))]
        if batch and await self._project_with_retries(batch, positions):
            return
        if batch and not await in_thread(self.store_answers):
            # ClickHouse is down, not the events bad: dead-lettering them all would lose them.
            raise StoreUnavailable("ClickHouse does not answer; the batch will be read again")
        # The batch keeps failing: apply its events one by one, so only the bad ones go.
        for item in batch:
            try:
                await self._project([item], {})
            except Exception as error:
                await self.dead_letters.send(
                    item[0], reason=DeadLetterReason.HANDLER_FAILED, error=error,
                    attempts=self.max_attempts + 1,
                )
        await in_thread(self.record_positions, positions)

    async def _parse(self, message: Any) -> Consumed | None:
        found = await parsed_or_dead_lettered(message, self.dead_letters)
        return Consumed(*found) if found is not None else None

    async def _project_with_retries(self, batch: Batch, positions: Mapping[Position, int]) -> bool:
        for attempt in range(1, self.max_attempts + 1):
            try:
                await self._project(batch, positions)
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

    async def _project(self, batch: Batch, positions: Mapping[Position, int]) -> None:
        events = [consumed for _, consumed in batch]
        with tracing.consuming_batch(self.service, [consumed.envelope for consumed in events]):
            projected = await in_thread(self.project, events, positions)
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


class StoreUnavailable(RuntimeError):
    """The projection cannot write: nothing of the batch is settled, it is to be read again."""
