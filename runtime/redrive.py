"""Publish dead letters back to the topic they came from, once their cause is fixed.

    python -m runtime.redrive --consumer dispatch [--reason handler_failed] [--since ISO]
                              [--dry-run]

Reads deadletter.v1 up to the end it has when the command starts (from the first
letter at or after --since), keeps the letters of the consumer and reasons asked for, and
publishes each original key and value to its source topic, waiting for the broker's acks.
Consumers are idempotent (inbox, seen event ids), so a message that got through meanwhile is
not processed twice; one that fails again is dead-lettered again, with its reason. Every
consumer of the source topic receives the message again and drops what it already has.

Unparseable letters are never re-driven: their value was kept as UTF-8 with bad bytes
replaced, so the original bytes are gone. Nor are letters whose value was withheld (personal
plaintext whose customer could not be told, see runtime.deadletters). A value kept sealed is
published sealed: the consuming service opens it, or dead-letters it again once the customer
is erased.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.errors import KafkaError

from contracts.deadletter import DeadLetter, DeadLetterReason
from contracts.topics import DEAD_LETTER
from runtime import cli, logs
from runtime.bus import build_producer
from runtime.deadletters import WITHHELD
from runtime.kafka_access import KafkaSettings, client_options, connection
from runtime.settings import Settings

log = logging.getLogger(__name__)

# Their value is not the original any more (see the module docstring).
NOT_REDRIVABLE = frozenset({DeadLetterReason.UNPARSEABLE})


@dataclass(frozen=True)
class Wanted:
    """Which dead letters to re-drive."""

    consumer: str
    reasons: frozenset[DeadLetterReason]
    since: datetime | None = None

    def __call__(self, letter: DeadLetter) -> bool:
        return (
            letter.consumer == self.consumer
            and letter.reason in self.reasons - NOT_REDRIVABLE
            and not letter.value.startswith(WITHHELD)
            and (self.since is None or letter.failed_at >= self.since)
        )


def chosen(letters: Iterable[DeadLetter], wanted: Wanted) -> list[DeadLetter]:
    """The wanted letters, once each per source message, in the order they were written."""
    seen: set[tuple[str, int, int]] = set()
    kept = []
    for letter in letters:
        origin = (letter.source_topic, letter.partition, letter.offset)
        if wanted(letter) and origin not in seen:
            seen.add(origin)
            kept.append(letter)
    return kept


async def read_letters(kafka: KafkaSettings | str, since: datetime | None) -> list[DeadLetter]:
    """Every dead letter from `since` (or the beginning) to the topic's end as of now."""
    # earliest: aiokafka resets a newly assigned partition's position in the background, by
    # this strategy; under load a `latest` reset could land after a seek and skip every letter.
    consumer = AIOKafkaConsumer(**client_options(connection(kafka)), group_id=None,
                                enable_auto_commit=False, auto_offset_reset="earliest")
    try:
        await consumer.start()
        partitions = [TopicPartition(DEAD_LETTER.name, p) for p in range(DEAD_LETTER.partitions)]
        ends = await consumer.end_offsets(partitions)
        starts = await consumer.offsets_for_times(
            {tp: int(since.timestamp() * 1000) for tp in partitions}
        ) if since else {}
        consumer.assign(partitions)
        if since is not None:  # seek before anything awaits: no reset is under way to undo it
            for tp in partitions:
                found = starts.get(tp)
                consumer.seek(tp, ends[tp] if found is None else found.offset)
        letters = []
        while [tp for tp in partitions if await consumer.position(tp) < ends[tp]]:
            batches = await consumer.getmany(timeout_ms=500, max_records=5000)
            for records in batches.values():
                letters += [DeadLetter.model_validate_json(r.value) for r in records
                            if r.offset < ends[TopicPartition(r.topic, r.partition)]]
        return letters
    finally:
        await consumer.stop()


async def redrive(
    settings: Settings, wanted: Wanted, *, dry_run: bool = False
) -> Counter[tuple[str, str]]:
    """Re-drive the wanted letters; returns how many per (source topic, reason)."""
    letters = chosen(await read_letters(settings, wanted.since), wanted)
    tally = Counter((letter.source_topic, letter.reason.value) for letter in letters)
    if dry_run or not letters:
        return tally
    producer = build_producer(settings)
    await producer.start()
    try:
        for letter in letters:
            await producer.send_and_wait(
                letter.source_topic, value=letter.value.encode(),
                key=letter.key.encode() if letter.key is not None else None,
            )
    finally:
        await producer.stop()
    log.info("re-drove dead letters", extra={"consumer": wanted.consumer,
                                            "letters": len(letters)})
    return tally


def parse_args(argv: Sequence[str]) -> tuple[Wanted, bool]:
    """The command line as what to re-drive, and whether only to count it."""
    redrivable = sorted(r.value for r in DeadLetterReason if r not in NOT_REDRIVABLE)
    parser = argparse.ArgumentParser(
        prog="python -m runtime.redrive", description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--consumer", required=True, help="the service that dead-lettered them")
    parser.add_argument("--reason", action="append", choices=redrivable,
                        help="repeatable; default: handler_failed, the failures a fix of the"
                             " consumer or its dependencies addresses")
    parser.add_argument("--since", type=datetime.fromisoformat,
                        help="only letters written at or after this instant (ISO 8601)")
    parser.add_argument("--dry-run", action="store_true", help="count them, publish nothing")
    args = parser.parse_args(argv)
    since = args.since
    if since is not None and since.tzinfo is None:
        since = since.replace(tzinfo=UTC)
    reasons = frozenset(DeadLetterReason(r) for r in (args.reason or ["handler_failed"]))
    return Wanted(consumer=args.consumer, reasons=reasons, since=since), args.dry_run


def main(argv: Sequence[str] | None = None) -> int:
    """Command line entry point: prints what was (or would be) re-driven, as JSON."""
    wanted, dry_run = parse_args(sys.argv[1:] if argv is None else argv)
    settings = Settings(service="redrive")
    logs.configure(settings.service, settings.log_level)
    tally = asyncio.run(redrive(settings, wanted, dry_run=dry_run))
    print(json.dumps({
        "dry_run": dry_run,
        "redriven": [{"topic": topic, "reason": reason, "letters": n}
                     for (topic, reason), n in sorted(tally.items())],
    }))
    return 0


if __name__ == "__main__":
    cli.run(main, KafkaError)
