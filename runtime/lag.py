"""Notices a consumer that stopped consuming while its lag grows, so it can be restarted."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterable

from prometheus_client import Gauge

log = logging.getLogger(__name__)

CONSUMER_LAG = Gauge(
    "consumer_lag_messages", "Messages on the broker not yet processed", ["service", "topic"]
)
CONSUMER_STALLED = Gauge(
    "consumer_stalled", "1 while lag is growing and nothing is being processed", ["service"]
)


class LagMonitor:
    """Compares each partition's end offset with the last offset processed here."""

    def __init__(
        self,
        *,
        service: str,
        topics: Iterable[str],
        stall_after_s: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.service = service
        self.topics = frozenset(topics)
        self.stall_after_s = stall_after_s
        self.clock = clock
        self.next_offsets: dict[tuple[str, int], int] = {}
        self.last_progress = clock()
        self.behind_since: float | None = None
        self.stalled = False

    def advanced(self, topic: str, partition: int, offset: int) -> None:
        """Record that a message was processed (applied or dead-lettered)."""
        self.next_offsets[(topic, partition)] = offset + 1
        self.last_progress = self.clock()

    def observe(
        self, end_offsets: dict[tuple[str, int], int], committed: dict[tuple[str, int], int]
    ) -> int:
        """Update lag from the broker's end and committed offsets; returns the total lag."""
        lag_by_topic: dict[str, int] = dict.fromkeys(self.topics, 0)
        for (topic, partition), end in end_offsets.items():
            if topic in self.topics:
                done = max(
                    self.next_offsets.get((topic, partition), 0),
                    committed.get((topic, partition), 0),
                )
                lag_by_topic[topic] += max(0, end - done)
        for topic, lag in lag_by_topic.items():
            CONSUMER_LAG.labels(self.service, topic).set(lag)
        total = sum(lag_by_topic.values())
        now = self.clock()
        if total == 0:
            self.behind_since = None
        elif self.behind_since is None:
            self.behind_since = now
        waiting_since = max(self.last_progress, self.behind_since or now)
        self.stalled = total > 0 and now - waiting_since > self.stall_after_s
        CONSUMER_STALLED.labels(self.service).set(int(self.stalled))
        return total

    async def watch(self, offsets: Callable, interval_s: float = 5.0) -> None:
        """Poll the broker's (end, committed) offsets until cancelled."""
        while True:
            try:
                self.observe(*await offsets())
            except Exception:
                log.exception("could not read end offsets")
            await asyncio.sleep(interval_s)
