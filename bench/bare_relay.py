"""The yardstick of the pipeline bench: a bare 3-hop aiokafka relay at the same rate."""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic


async def bare_relay(kafka: str, rate: float, seconds: float) -> list[float]:
    """Latencies of a bare 3-hop relay: produce, consume, produce, consume, produce, consume."""
    names = [f"bench.hop{i}.{uuid.uuid4().hex[:8]}" for i in range(3)]
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka)
    await admin.start()
    await admin.create_topics([NewTopic(n, num_partitions=1, replication_factor=1) for n in names])
    producer = AIOKafkaProducer(bootstrap_servers=kafka, acks="all", enable_idempotence=True,
                                linger_ms=5)
    await producer.start()
    consumers = [AIOKafkaConsumer(n, bootstrap_servers=kafka, group_id=f"bench-{n}",
                                  auto_offset_reset="earliest") for n in names]
    for consumer in consumers:
        await consumer.start()
    latencies: list[float] = []
    total = int(rate * seconds)

    async def hop(consumer: AIOKafkaConsumer, onward: str | None) -> None:
        while len(latencies) < total:
            batches = await consumer.getmany(timeout_ms=100)
            for records in batches.values():
                for record in records:
                    if onward is None:
                        latencies.append(time.monotonic() - float(record.value))
                    else:
                        await producer.send(onward, record.value)

    onwards = [*names[1:], None]
    hops = [asyncio.create_task(hop(c, o)) for c, o in zip(consumers, onwards, strict=True)]
    try:
        start = time.monotonic()
        for i in range(total):
            delay = start + i / rate - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            await producer.send(names[0], str(time.monotonic()).encode())
        await asyncio.wait_for(hops[-1], seconds + 60)
    finally:
        for task in hops:
            task.cancel()
        for consumer in consumers:
            await consumer.stop()
        await producer.stop()
        with contextlib.suppress(Exception):
            await admin.delete_topics(names)
        await admin.close()
    return latencies
