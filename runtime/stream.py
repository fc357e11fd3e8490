"""Faust agents that feed consumed topics into a service's inbox, with retries and dead letters."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from typing import Any

import faust
from pydantic import ValidationError

from contracts.deadletter import DeadLetterReason
from contracts.registry import UnknownEventType, parse
from contracts.topics import TopicSpec
from runtime.deadletters import DeadLetters
from runtime.inbox import Inbox, Rejected
from runtime.metrics import EVENTS_CONSUMED, HANDLER_SECONDS

log = logging.getLogger(__name__)


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
    ) -> None:
        self.topic = topic
        self.inbox = inbox
        self.dead_letters = dead_letters
        self.service = service
        self.max_attempts = max_attempts
        self.backoff_s = backoff_s
        self.on_progress = on_progress

    def attach(self, app: faust.App) -> None:
        """Register this subscription as an agent of the faust app."""
        channel = app.topic(self.topic.name, value_serializer="raw", key_serializer="raw")
        app.agent(channel, name=f"{self.service}.{self.topic.name}")(self._consume)

    async def _consume(self, stream: Any) -> None:
        async for event in stream.events():
            message = event.message
            await self.handle(message)
            self.on_progress(message.topic, message.partition, message.offset)

    async def handle(self, message: Any) -> None:
        """Parse, apply with bounded retries, or dead-letter: never drop silently."""
        value = self.dead_letters.payloads.opened(message.topic, message.value)
        if value is None:
            await self.dead_letters.send(
                message, reason=DeadLetterReason.REJECTED, attempts=1,
                error="the customer's personal data in this message has been erased",
            )
            return
        try:
            raw = json.loads(value)
        except (ValueError, TypeError) as error:
            await self.dead_letters.send(
                message, reason=DeadLetterReason.UNPARSEABLE, error=error, attempts=1
            )
            return
        try:
            envelope, event = parse(raw)
        except UnknownEventType as error:
            await self.dead_letters.send(
                message, reason=DeadLetterReason.UNKNOWN_TYPE, error=error, attempts=1
            )
            return
        except ValidationError as error:
            await self.dead_letters.send(
                message, reason=DeadLetterReason.SCHEMA_INVALID, error=error, attempts=1
            )
            return
        for attempt in range(1, self.max_attempts + 1):
            try:
                with HANDLER_SECONDS.labels(self.service, self.topic.name).time():
                    outcome = await asyncio.to_thread(self.inbox.process, envelope, event)
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
