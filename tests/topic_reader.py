"""Reads topics back from the real broker, for tests that assert on what was published."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from contracts.topics import TopicSpec


@dataclass(frozen=True)
class Published:
    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: dict[str, Any]
    headers: dict[str, bytes] = field(default_factory=dict)


def read_until(
    bootstrap: str,
    topics: Iterable[TopicSpec],
    done: Callable[[list[Published]], bool],
    timeout_s: float = 60,
) -> list[Published]:
    """Everything on the topics from the beginning, read until `done` holds (or time is up)."""
    return asyncio.run(_read_until(bootstrap, [t.name for t in topics], done, timeout_s))


async def _read_until(bootstrap, names, done, timeout_s) -> list[Published]:
    consumer = AIOKafkaConsumer(
        *names, bootstrap_servers=bootstrap, group_id=f"test-reader-{uuid.uuid4()}",
        auto_offset_reset="earliest", enable_auto_commit=False,
    )
    await consumer.start()
    seen: list[Published] = []
    try:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline and not done(seen):
            batches = await consumer.getmany(timeout_ms=500)
            for records in batches.values():
                seen.extend(
                    Published(r.topic, r.partition, r.offset, r.key, json.loads(r.value),
                              dict(r.headers))
                    for r in records
                )
    finally:
        await consumer.stop()
    return seen


def produce(bootstrap: str, topic: TopicSpec, messages: list[tuple[bytes, bytes]]) -> None:
    """Publish raw (key, value) messages and wait for the broker's acks."""

    async def send() -> None:
        producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
        await producer.start()
        try:
            for key, value in messages:
                await producer.send_and_wait(topic.name, value=value, key=key)
        finally:
            await producer.stop()

    asyncio.run(send())
