"""On a real broker: `python -m runtime.redrive` publishes the chosen dead letters' original
messages to their source topic, once, and a dry run publishes nothing."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from contracts.deadletter import DeadLetter, DeadLetterReason
from contracts.topics import DEAD_LETTER, INBOUND
from runtime.redrive import Wanted, redrive
from runtime.settings import Settings
from tests.topic_reader import produce, read_until

pytestmark = pytest.mark.integration


def dead_letter(
    consumer: str, reason: DeadLetterReason, key: str, value: str, offset: int
) -> tuple[bytes, bytes]:
    letter = DeadLetter(consumer=consumer, source_topic=INBOUND.name, partition=0, offset=offset,
                        key=key, value=value, reason=reason, error="RuntimeError: store down",
                        attempts=3, failed_at=datetime.now(UTC))
    return key.encode(), letter.model_dump_json().encode()


def test_the_chosen_letters_go_back_to_their_topic_once(private_kafka_bootstrap: str) -> None:
    # Its own broker: the re-driven submissions would reach every later intake consumer.
    bootstrap, run = private_kafka_bootstrap, uuid.uuid4().hex[:8]
    consumer = f"intake-{run}"
    value = f'{{"id": "{run}", "note": "a submission intake failed to store"}}'
    produce(bootstrap, DEAD_LETTER, [
        dead_letter(consumer, DeadLetterReason.HANDLER_FAILED, f"ok-{run}", value, 1),
        dead_letter(consumer, DeadLetterReason.UNPARSEABLE, f"garbled-{run}", "\ufffd", 2),
        dead_letter(f"other-{run}", DeadLetterReason.HANDLER_FAILED, f"theirs-{run}", "{}", 3),
    ])
    settings = Settings(kafka_bootstrap=bootstrap, service="redrive-test")
    wanted = Wanted(consumer, frozenset(DeadLetterReason),
                    since=datetime.now(UTC) - timedelta(minutes=5))

    counted = asyncio.run(redrive(settings, wanted, dry_run=True))
    published = asyncio.run(redrive(settings, wanted))

    assert counted == published == {(INBOUND.name, "handler_failed"): 1}
    # Everything on the topic: read for a while rather than until the first one arrives.
    arrived = [m for m in read_until(bootstrap, [INBOUND], lambda seen: False, timeout_s=8)
               if m.key.decode().endswith(run)]
    assert [(m.key.decode(), m.value) for m in arrived] == [
        (f"ok-{run}", {"id": run, "note": "a submission intake failed to store"})
    ]
