"""Analytics' use cases: project consumed events once each, and count what was projected."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from contracts.intake import ComplaintReceived
from services.analytics.domain import EVENT_COLUMNS, Consumed, event_row, first_of_each, unseen
from services.analytics.store import ClickHouseStore

ALREADY_CONSUMED = "SELECT event_id FROM consumed WHERE event_id IN {ids:Array(UUID)}"
# Rows of one event collapse only when ClickHouse merges parts: count ids, not rows.
COUNT_EVENTS = "SELECT uniqExact(event_id) FROM events WHERE type = {type:String}"
FOR_TENANT = " AND tenant = {tenant:String}"


@dataclass(frozen=True)
class Projected:
    """The outcome of projecting one batch: what was stored, what had been already."""

    stored: list[Consumed] = field(default_factory=list)
    duplicates: int = 0


class AnalyticsApplication:
    """The ClickHouse projection of every domain event, and the questions it answers."""

    def __init__(self, store: ClickHouseStore) -> None:
        self.store = store

    def project(self, batch: Sequence[Consumed]) -> Projected:
        """Store the events of a batch not stored before; personal data never reaches ClickHouse."""
        distinct = first_of_each(batch)
        if not distinct:
            return Projected()
        ids = [str(consumed.envelope.id) for consumed in distinct]
        stored_ids = {str(row[0]) for row in self.store.select(ALREADY_CONSUMED, {"ids": ids})}
        fresh = unseen(distinct, stored_ids)
        if fresh:
            self.store.insert("events", EVENT_COLUMNS, [event_row(c) for c in fresh])
            # Written last: an event counts as consumed only once every projection of it is in.
            self.store.insert(
                "consumed", ("event_id",), [{"event_id": str(c.envelope.id)} for c in fresh]
            )
        return Projected(stored=fresh, duplicates=len(batch) - len(fresh))

    def count_events(self, *, event_type: str, tenant: str | None = None) -> int:
        """How many distinct events of one type were projected, for one tenant or all."""
        sql, params = COUNT_EVENTS, {"type": event_type}
        if tenant:
            sql, params = sql + FOR_TENANT, {**params, "tenant": tenant}
        return int(self.store.select(sql, params)[0][0])

    def count_received_complaints(self, *, tenant: str | None = None) -> int:
        """How many complaints were received, for one tenant or all."""
        return self.count_events(event_type=ComplaintReceived.event_type, tenant=tenant)
