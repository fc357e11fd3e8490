"""Analytics' projection use cases: store each consumed event once, with how far it got."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from contracts.intake import ComplaintReceived
from services.analytics.domain import (
    EVENT_COLUMNS,
    Consumed,
    Pseudonyms,
    event_row,
    first_of_each,
    seen_row,
    unseen,
)
from services.analytics.folding import (
    Context,
    breached_clocks,
    clock_facts,
    clock_targets,
    complaint_facts,
)
from services.analytics.schema import PROJECTION_TABLES
from services.analytics.snapshot import Snapshot
from services.analytics.state_tables import CLOCK_FACT_COLUMNS, FACT_COLUMNS
from services.analytics.store import ClickHouseStore, create_tables

ALREADY_SEEN = (
    "SELECT event_id FROM seen_events WHERE time BETWEEN {lo:DateTime64(3, 'UTC')}"
    " AND {hi:DateTime64(3, 'UTC')} AND event_id IN {ids:Array(UUID)}"
)
CLOCK_TARGETS = (
    "SELECT clock_id, argMaxMerge(target) FROM clock_state"
    " WHERE clock_id IN {ids:Array(String)} GROUP BY clock_id"
)
POSITIONS = "SELECT topic, partition, max(offset) FROM positions GROUP BY topic, partition"

# Rows of one event collapse only when ClickHouse merges parts: count ids, not rows.
COUNT_EVENTS = "SELECT uniqExact(event_id) FROM events WHERE type = {type:String}"
FOR_TENANT = " AND tenant = {tenant:String}"

Position = tuple[str, int]


@dataclass(frozen=True)
class Projected:
    """The outcome of projecting one batch: what was stored, what had been already."""

    stored: list[Consumed] = field(default_factory=list)
    duplicates: int = 0


class AnalyticsApplication:
    """The ClickHouse projection of every domain event, and how far it has read each topic."""

    def __init__(self, store: ClickHouseStore, pseudonyms: Pseudonyms | None = None) -> None:
        self.store = store
        self.pseudonyms = pseudonyms or Pseudonyms("")
        self.snapshot = Snapshot(store)

    def project(
        self, batch: Sequence[Consumed], positions: Mapping[Position, int] | None = None
    ) -> Projected:
        """Store the events of a batch not stored before, then the positions it reached."""
        distinct = first_of_each(batch)
        seen = {str(c.envelope.id): seen_row(c) for c in distinct}
        fresh = unseen(distinct, self._seen_ids(list(seen.values()))) if distinct else []
        if fresh:
            ctx = Context(clock_targets=self._clock_targets(fresh))
            rows = [event_row(c, self.pseudonyms) for c in fresh]
            self.store.insert("events", EVENT_COLUMNS, rows)
            if facts := complaint_facts(fresh, ctx, self.pseudonyms):
                self.store.insert("complaint_facts", FACT_COLUMNS, facts)
            if clocks := clock_facts(fresh, ctx):
                self.store.insert("clock_facts", CLOCK_FACT_COLUMNS, clocks)
            # Written after every projection of the events: only then do they count as seen.
            self.store.insert(
                "seen_events", ("time", "event_id"), [seen[str(c.envelope.id)] for c in fresh]
            )
        if positions:
            self.record_positions(positions)
        return Projected(stored=fresh, duplicates=len(batch) - len(fresh))

    def record_positions(self, positions: Mapping[Position, int]) -> None:
        """Record the last offset processed (stored, duplicate or dead-lettered) per partition."""
        batch_id = str(uuid.uuid4())
        self.store.insert("positions", ("topic", "partition", "offset", "batch_id"), [
            {"topic": topic, "partition": partition, "offset": offset, "batch_id": batch_id}
            for (topic, partition), offset in positions.items()
        ])

    def positions(self) -> dict[Position, int]:
        """The last offset processed per partition, as recorded with the batches."""
        return {(topic, int(p)): int(offset) for topic, p, offset in self.store.select(POSITIONS)}

    def reset(self) -> None:
        """Drop every projected table and create them empty (for a rebuild)."""
        for table in PROJECTION_TABLES:
            self.store.command(f"DROP TABLE IF EXISTS {table}")
        create_tables(self.store)

    def count_events(self, *, event_type: str, tenant: str | None = None) -> int:
        """How many distinct events of one type were projected, for one tenant or all."""
        sql, params = COUNT_EVENTS, {"type": event_type}
        if tenant:
            sql, params = sql + FOR_TENANT, {**params, "tenant": tenant}
        return int(self.store.select(sql, params)[0][0])

    def count_received_complaints(self, *, tenant: str | None = None) -> int:
        """How many complaints were received, for one tenant or all."""
        return self.count_events(event_type=ComplaintReceived.event_type, tenant=tenant)

    def _seen_ids(self, rows: Sequence[dict]) -> set[str]:
        return {str(found) for (found,) in self.store.select(ALREADY_SEEN, {
            "lo": min(r["time"] for r in rows), "hi": max(r["time"] for r in rows),
            "ids": [r["event_id"] for r in rows],
        })}

    def _clock_targets(self, batch: Sequence[Consumed]) -> dict[str, str]:
        targets = clock_targets(batch)
        if missing := sorted(breached_clocks(batch) - set(targets)):
            rows = self.store.select(CLOCK_TARGETS, {"ids": missing})
            targets.update({clock: target for clock, target in rows if target})
        return targets
