"""Rebuild the read model: drop its tables, create them empty and replay the topics it reads.

    python -m services.work.tools.rebuild --yes

Stop the work service first (a live projection would write into the tables being dropped). The
four stage topics and work.events.v1 (the tags) are read from offset 0 to the end each
partition had when the replay began; the tags' own event store is not touched. The service,
started again, continues from its consumer group's offsets: what it reads again it has
projected already (same event ids), so it changes nothing. A message that does not parse was
dead-lettered when the service first met it; the replay counts it and goes on. The tables are
dropped only once the broker answered with the ends of every partition, so a broker that cannot
be reached leaves them as they were (exit 1).
"""

from __future__ import annotations

import asyncio
import logging

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.errors import KafkaError
from pydantic import ValidationError

from contracts.registry import UnknownEventType, parse
from contracts.topics import WORK_EVENTS, TopicSpec
from runtime import cli, logs
from runtime.kafka_access import client_options
from services.work.bootstrap import read_model
from services.work.config import WorkSettings
from services.work.handlers import SUBSCRIPTIONS
from services.work.projection import Projection
from services.work.store import TABLES

TOPICS: tuple[TopicSpec, ...] = (*SUBSCRIPTIONS, WORK_EVENTS)
DESTROYS = f"drops the read model's {len(TABLES)} tables and replays {len(TOPICS)} topics"

log = logging.getLogger(__name__)


async def rebuild(settings: WorkSettings, topics: tuple[TopicSpec, ...] = TOPICS) -> dict:
    """Replay the topics into empty tables; how many messages were projected and unreadable."""
    store, projection = read_model(settings)
    consumer = AIOKafkaConsumer(**client_options(settings), group_id=None,
                                auto_offset_reset="earliest",
                                enable_auto_commit=False, client_id=f"{settings.service}-rebuild")
    counts = {"projected": 0, "repeated": 0, "unreadable": 0}
    try:
        await consumer.start()
        partitions = [TopicPartition(t.name, p) for t in topics for p in range(t.partitions)]
        consumer.assign(partitions)
        ends = await _ends(consumer, partitions)
        await asyncio.to_thread(_emptied, store)  # only now: the broker answered
        await consumer.seek_to_beginning(*partitions)
        log.info("replaying", extra={"messages_at_most": sum(ends.values())})
        while any([await consumer.position(tp) < end for tp, end in ends.items()]):
            fetched = await consumer.getmany(timeout_ms=1000, max_records=500)
            for records in fetched.values():
                for record in records:
                    outcome = await asyncio.to_thread(_project, projection, record.value)
                    counts[outcome] += 1
        log.info("rebuilt", extra=counts)
        return counts
    finally:
        await consumer.stop()
        store.close()


async def _ends(consumer: AIOKafkaConsumer, partitions: list[TopicPartition],
                attempts: int = 20) -> dict[TopicPartition, int]:
    """The end offset of every partition: until the client knows every partition's leader it
    may answer for some of them only, and a replay to a partial end would stop early."""
    for _ in range(attempts):
        await consumer.topics()  # refreshes the metadata
        ends = await consumer.end_offsets(partitions)
        if set(ends) == set(partitions):
            return ends
        await asyncio.sleep(0.5)
    raise cli.CommandFailed(f"the broker named the end of {len(ends)} of {len(partitions)} "
                            "partitions; nothing was dropped")


def _emptied(store) -> None:
    store.drop()
    store.open()


def _project(projection: Projection, value: bytes | None) -> str:
    try:
        envelope, event = parse(value or b"")
    except (UnknownEventType, ValidationError):
        return "unreadable"
    return "projected" if projection.apply(envelope, event) else "repeated"


def main(argv: list[str] | None = None) -> int:
    """Command line entry point: 0 rebuilt, 1 failed, 2 refused (no --yes)."""
    cli.confirmed("python -m services.work.tools.rebuild", __doc__, DESTROYS, argv)
    settings = WorkSettings()
    logs.configure(settings.service, settings.log_level)
    print(asyncio.run(rebuild(settings)))
    return 0


if __name__ == "__main__":
    cli.run(main, KafkaError, OSError)
