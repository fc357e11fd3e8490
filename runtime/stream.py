"""Faust agents that feed consumed topics into a service's inbox in batches, with retries and
dead letters."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable, Sequence
from typing import Any

import faust
from prometheus_client import Histogram
from pydantic import ValidationError

from contracts.deadletter import DeadLetterReason
from contracts.envelope import DomainEvent, Envelope
from contracts.registry import UnknownEventType, parse
from contracts.topics import TopicSpec
from runtime.background import in_thread
from runtime.deadletters import DeadLetters
from runtime.inbox import Inbox, Rejected
from runtime.metrics import EVENTS_CONSUMED, HANDLER_SECONDS

log = logging.getLogger(__name__)

BATCH_SIZE = Histogram(
    "consumer_batch_size", "Events applied per consumed batch (one transaction)",
    ["service", "topic"], buckets=(1, 2, 5, 10, 25, 50, 100, 250, 500),
)


class Subscription:
    """Consumes one topic into an inbox; what cannot be processed becomes a dead letter."""

    def __init__(
        self,
        *,
        topic: TopicSpec,
        inbox: Inbox,
        dead_letters: DeadLetters,
        service: str,
        max_attempts: int = 3,
        backoff_s: float = 0.2,
        on_progress: Callable[[str, int, int], None] = lambda topic, partition, offset: None,
        batch_size: int = 100,
        batch_within_s: float = 0.005,
    ) -> None:
        self.topic = topic
        self.inbox = inbox
        self.dead_letters = dead_letters
        self.service = service
        self.max_attempts = max_attempts
        self.backoff_s = backoff_s
        self.on_progress = on_progress
        self.batch_size = batch_size
        self.batch_within_s = batch_within_s

    def attach(self, app: faust.App) -> None:
        """Register this subscription as an agent of the faust app."""
        channel = app.topic(self.topic.name, value_serializer="raw", key_serializer="raw")
        app.agent(channel, name=f"{self.service}.{self.topic.name}")(self._consume)

    async def _consume(self, stream: Any) -> None:
        # faust acknowledges a batch's messages (their offsets may be committed) only after
        # this body handled all of them.
        async for events in stream.take_events(self.batch_size, within=self.batch_within_s):
            messages = [event.message for event in events]
            await self.handle_batch(messages)
            for message in messages:
                self.on_progress(message.topic, message.partition, message.offset)

    async def handle_batch(self, messages: Sequence[Any]) -> None:
        """Apply a batch in one transaction; if an event fails, it and the ones after it go
        one by one, with retries and dead letters. Each message ends applied, a duplicate,
        ignored or dead-lettered, exactly as when handled alone."""
        parsed = [(m, *found) for m in messages if (found := await self.parse(m)) is not None]
        if not parsed:
            return
        BATCH_SIZE.labels(self.service, self.topic.name).observe(len(parsed))
        try:
            with HANDLER_SECONDS.labels(self.service, self.topic.name).time():
                outcomes = await in_thread(
                    self.inbox.process_batch, [(envelope, event) for _, envelope, event in parsed]
                )
        except Exception as error:  # the commit failed: nothing of the batch is stored
            log.warning("batch failed; applying its events one by one",
                        extra={"events": len(parsed), "error": repr(error)})
            outcomes = []
        for outcome in outcomes:
            EVENTS_CONSUMED.labels(self.service, self.topic.name, outcome.value).inc()
        for message, envelope, event in parsed[len(outcomes):]:
            await self.apply(message, envelope, event)

    async def handle(self, message: Any) -> None:
        """Parse, apply with bounded retries, or dead-letter: never drop silently."""
        found = await self.parse(message)
        if found is not None:
            await self.apply(message, *found)

    async def parse(self, message: Any) -> tuple[Envelope, DomainEvent] | None:
        """The message's envelope and event; None once it is dead-lettered as unreadable."""
        return await parsed_or_dead_lettered(message, self.dead_letters)

    async def apply(self, message: Any, envelope: Envelope, event: DomainEvent) -> None:
        """Apply one event with bounded retries; dead-letter it when it cannot be."""
        for attempt in range(1, self.max_attempts + 1):
            try:
                with HANDLER_SECONDS.labels(self.service, self.topic.name).time():
                    outcome = await in_thread(self.inbox.process, envelope, event)
            except Rejected as error:
                await self.dead_letters.send(
                    message, reason=DeadLetterReason.REJECTED, error=error, attempts=attempt
                )
                return
            except Exception as error:
                log.warning(
                    "handler failed",
                    extra={"attempt": attempt, "error": repr(error), "event_id": str(envelope.id)},
                )
                if attempt == self.max_attempts:
                    await self.dead_letters.send(
                        message, reason=DeadLetterReason.HANDLER_FAILED, error=error,
                        attempts=attempt,
                    )
                    return
                await asyncio.sleep(self.backoff_s * attempt)
            else:
                EVENTS_CONSUMED.labels(self.service, self.topic.name, outcome.value).inc()
                return


async def parsed_or_dead_lettered(
    message: Any, dead_letters: DeadLetters
) -> tuple[Envelope, DomainEvent] | None:
    """A consumed message's envelope and event; a message that cannot be read (erased,
    not JSON, an unknown type, invalid) is dead-lettered with the reason, and None returned."""
    value = dead_letters.payloads.opened(message.topic, message.value)
    if value is None:
        await dead_letters.send(
            message, reason=DeadLetterReason.REJECTED, attempts=1,
            error="the customer's personal data in this message has been erased",
        )
        return None
    try:
        return parse(json.loads(value))
    except UnknownEventType as error:
        failure = (DeadLetterReason.UNKNOWN_TYPE, error)
    except ValidationError as error:
        failure = (DeadLetterReason.SCHEMA_INVALID, error)
    except (ValueError, TypeError) as error:
        failure = (DeadLetterReason.UNPARSEABLE, error)
    reason, error = failure
    await dead_letters.send(message, reason=reason, error=error, attempts=1)
    return None
