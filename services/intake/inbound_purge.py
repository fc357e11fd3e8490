"""Erasure reaches the channels' raw submissions: complaints.inbound.v1 keeps them 7 days in
plaintext, so each erasure deletes every inbound record intake has already processed.

A processed raw submission is transient: what it said lives on sealed in intake's events (and,
if it failed, sealed in its dead letter). So intake commits its position and deletes the
inbound topic's records below its consumer group's committed offsets (Kafka DeleteRecords).
This removes every customer's processed submissions, not only the erased customer's: Kafka
cannot delete single records. Records not yet processed stay until intake has filed them (sealed)
and the next erasure or the 7-day retention removes them. The broker must allow intake the
Delete operation on the topic.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiokafka.admin import AIOKafkaAdminClient, RecordsToDelete

from contracts.topics import INBOUND
from runtime.kafka_access import client_options
from runtime.settings import Settings

log = logging.getLogger(__name__)


class InboundPurge:
    """Deletes the inbound topic's records that intake's consumer group has committed past."""

    def __init__(
        self, *, settings: Settings, group: Callable[[], str],
        commit: Callable[[], Awaitable[Any]] | None = None,
        running: Callable[[], bool] = lambda: True,
    ) -> None:
        self.settings = settings
        self.group = group
        self.commit = commit
        self.running = running

    async def __call__(self) -> dict[int, int]:
        """Delete what was processed; the new first offset of each partition it deleted from.

        A replica whose runtime is not running (the HTTP API alone, in tests) has no broker."""
        if not self.running():
            return {}
        if self.commit is not None:
            await self.commit()  # this replica's processed records count as committed now
        admin = AIOKafkaAdminClient(**client_options(self.settings))
        await admin.start()
        try:
            committed = await admin.list_consumer_group_offsets(self.group())
            below = {tp: RecordsToDelete(meta.offset) for tp, meta in committed.items()
                     if tp.topic == INBOUND.name and meta.offset > 0}
            deleted = await admin.delete_records(below) if below else {}
        finally:
            await admin.close()
        firsts = {tp.partition: offset for tp, offset in deleted.items()}
        log.info("deleted processed raw submissions", extra={"topic": INBOUND.name,
                                                             "first_offsets": firsts})
        return firsts
