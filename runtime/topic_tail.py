"""Reads back the ids of the events a topic received since an instant (the relay's recovery)."""

from __future__ import annotations

import json
from datetime import datetime

from aiokafka import AIOKafkaConsumer, TopicPartition

from runtime.kafka_access import KafkaSettings, client_options


async def ids_since(settings: KafkaSettings, topic: str, since: datetime) -> set[str]:
    """Envelope ids of every message on `topic` stamped at or after `since`, up to its end now."""
    consumer = AIOKafkaConsumer(
        **client_options(settings), group_id=None, enable_auto_commit=False,
        isolation_level="read_committed",
    )
    await consumer.start()
    try:
        # aiokafka offers no public way to ask one topic's partitions before assigning them.
        known = (await consumer._client.fetch_all_metadata()).partitions_for_topic(topic)
        if not known:
            raise LookupError(f"no partitions known for topic {topic}")
        partitions = [TopicPartition(topic, p) for p in sorted(known)]
        consumer.assign(partitions)
        ends = await consumer.end_offsets(partitions)
        starts = await consumer.offsets_for_times(
            {tp: int(since.timestamp() * 1000) for tp in partitions})
        remaining = {}
        for tp in partitions:
            start = starts[tp].offset if starts[tp] is not None else ends[tp]
            if start < ends[tp]:
                consumer.seek(tp, start)
                remaining[tp] = ends[tp]
        ids: set[str] = set()
        while remaining:
            batches = await consumer.getmany(*remaining, timeout_ms=1000)
            for tp, records in batches.items():
                for record in records:
                    if record.offset < remaining.get(tp, 0):
                        ids.add(json.loads(record.value)["id"])
            for tp in list(remaining):
                if await consumer.position(tp) >= remaining[tp]:
                    del remaining[tp]
        return ids
    finally:
        await consumer.stop()
