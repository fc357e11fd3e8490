"""Sends a message that could not be processed to the dead-letter topic, with the reason.

A dead letter is kept 90 days, longer than an erasure may wait, so it never keeps a personal
payload in plaintext. Messages of the domain topics carry their personal fields sealed
(`pii:v1:`), so their letters keep the value as it came and can be re-driven as it is. A
service that consumes plaintext (intake, on the channels' complaints.inbound.v1) passes
`payloads`: each such letter keeps the value sealed with the customer's key, so erasing the
customer makes it unreadable, and the service opens it again when it is re-driven; a value
whose customer cannot be told is withheld (only its SHA-256 kept) and cannot be re-driven.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from typing import Any, Protocol

from aiokafka import AIOKafkaProducer
from pydantic import ValidationError

from contracts.deadletter import DeadLetter, DeadLetterReason
from contracts.topics import DEAD_LETTER
from runtime.metrics import DEAD_LETTERS

log = logging.getLogger(__name__)


# A letter's value that was not kept; `python -m runtime.redrive` skips such letters.
WITHHELD = "withheld:sha256:"


class Payloads(Protocol):
    """What a service's dead letters keep of a payload, and how it reads a re-driven one."""

    def kept(self, topic: str, value: bytes | None) -> str:
        """The letter's value for a message of this topic: as it came, sealed or withheld."""

    def opened(self, topic: str, value: bytes | None) -> bytes | None:
        """A consumed value as the handlers read it (a re-driven letter's opened); None once
        the personal data it holds has been erased."""


class AsTheyCame:
    """Letters keep values as they came: right for topics whose personal fields are sealed."""

    def kept(self, topic: str, value: bytes | None) -> str:
        return _text(value) or ""

    def opened(self, topic: str, value: bytes | None) -> bytes | None:
        return value


class DeadLetters:
    """Publishes dead letters and counts them by reason."""

    def __init__(
        self, *, producer: AIOKafkaProducer | None, service: str,
        payloads: Payloads | None = None,
    ) -> None:
        self.producer = producer
        self.service = service
        self.payloads = payloads or AsTheyCame()

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
            value=self.payloads.kept(message.topic, message.value),
            reason=reason,
            error=_described(error),
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


def _described(error: BaseException | str) -> str:
    """The error for the letter and the log; a validation error without the values it quotes
    (they may be personal data)."""
    if isinstance(error, ValidationError):
        return "ValidationError: " + "; ".join(
            f"{'.'.join(map(str, e['loc']))}: {e['msg']}"
            for e in error.errors(include_url=False, include_input=False)
        )
    return f"{type(error).__name__}: {error}" if isinstance(error, BaseException) else error


def _text(raw: bytes | str | None) -> str | None:
    if raw is None or isinstance(raw, str):
        return raw
    return raw.decode("utf-8", errors="replace")
