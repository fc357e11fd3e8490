"""Sends a message that could not be processed to the dead-letter topic, with the reason."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from typing import Any

from aiokafka import AIOKafkaProducer

from contracts.deadletter import DeadLetter, DeadLetterReason
from contracts.topics import DEAD_LETTER
from runtime.metrics import DEAD_LETTERS

log = logging.getLogger(__name__)


class DeadLetters:
    """Publishes dead letters and counts them by reason."""

    def __init__(self, *, producer: AIOKafkaProducer | None, service: str) -> None:
        self.producer = producer
        self.service = service

    async def send(
        self, message: Any, *, reason: DeadLetterReason, error: BaseException | str, attempts: int
    ) -> DeadLetter:
        """Publish the dead letter for a consumed message and wait for the broker's ack."""
        letter = DeadLetter(
            consumer=self.service,
            source_topic=message.topic,
            partition=message.partition,
            offset=message.offset,
            key=_text(message.key),
            value=_text(message.value) or "",
            reason=reason,
            error=f"{type(error).__name__}: {error}" if isinstance(error, BaseException) else error,
            attempts=attempts,
            failed_at=datetime.now(UTC),
        )
        await self._publish(letter, message.key)
        DEAD_LETTERS.labels(self.service, message.topic, reason.value).inc()
        log.warning(
            "dead-lettered message",
            extra={"reason": reason.value, "error": letter.error, "topic": message.topic,
                   "partition": message.partition, "offset": message.offset},
        )
        return letter

    async def _publish(self, letter: DeadLetter, key: bytes | None) -> None:
        value = letter.model_dump_json().encode()
        await _retrying(lambda: self.producer.send_and_wait(DEAD_LETTER.name, value=value, key=key))


async def _retrying(send, *, backoff_s: float = 1.0, max_backoff_s: float = 30.0) -> None:
    """Keep trying: a message is only acknowledged once its dead letter is on the broker."""
    while True:
        try:
            await send()
            return
        except Exception:
            log.exception("could not publish dead letter; retrying")
            await asyncio.sleep(backoff_s)
            backoff_s = min(backoff_s * 2, max_backoff_s)


def _text(raw: bytes | str | None) -> str | None:
    if raw is None or isinstance(raw, str):
        return raw
    return raw.decode("utf-8", errors="replace")
