"""Spike alerts: windows of live complaints per category, product and region, judged against
their trailing baseline; each spike is published once on analytics.events.v1.

Counts come from the projection, not from one replica's stream, so every replica sees every
partition and a restart loses nothing. The `alerts` table is the outbox: a spike is recorded
unpublished, published, then marked published; its event id is derived from tenant,
dimension, value and window, so a second publication (a crash before marking, or two
replicas) is the same event and consumers drop it by id.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from prometheus_client import Counter, Gauge

from contracts.analytics import SpikeDetected
from contracts.envelope import NAMESPACE, Envelope, wrap
from runtime.background import in_thread
from services.analytics.folding import ch_time
from services.analytics.schema import COMPLAINTS
from services.analytics.spikes import SpikeRule, judge, window_start
from services.analytics.store import ClickHouseStore

log = logging.getLogger(__name__)

WATCHED = ("category", "product", "region")
SPIKES = Counter("analytics_spikes_detected_total", "Spikes detected, once each", ["dimension"])
SPIKING = Gauge("analytics_spiking_values", "Values spiking at the last check", ["dimension"])

COUNTS = (
    "SELECT tenant, {dim} AS value, intDiv(toUnixTimestamp(received_at), {{w:UInt32}})"
    f" * {{{{w:UInt32}}}} AS window, count() FROM {COMPLAINTS}"
    " WHERE received_at >= {{lo:DateTime64(3, 'UTC')}}"
    " AND received_at < {{hi:DateTime64(3, 'UTC')}}"
    " AND ifNull(historical, 0) = 0 AND {dim} IS NOT NULL GROUP BY tenant, value, window"
)
FIRST_LIVE = (
    f"SELECT tenant, toUnixTimestamp(min(received_at)) FROM {COMPLAINTS}"
    " WHERE received_at IS NOT NULL AND ifNull(historical, 0) = 0 GROUP BY tenant"
)
ALERT_COLUMNS = (
    "event_id", "tenant", "dimension", "value", "window_start", "window_end", "count",
    "baseline", "margin", "detected_at", "published",
)
KNOWN = "SELECT event_id FROM alerts WHERE event_id IN {ids:Array(UUID)}"
PENDING = (
    f"SELECT {', '.join(ALERT_COLUMNS)} FROM alerts FINAL WHERE published = 0"
    " ORDER BY window_start, tenant, dimension, value"
)
RECENT = (
    f"SELECT {', '.join(ALERT_COLUMNS)} FROM alerts FINAL WHERE tenant = {{tenant:String}}"
    " ORDER BY window_start DESC, dimension, value LIMIT {limit:UInt32}"
)

Send = Callable[[bytes, bytes], Awaitable[object]]


@dataclass(frozen=True)
class Alert:
    """A spike of one value of one dimension in one window, as the outbox keeps it."""

    tenant: str
    dimension: str
    value: str
    window_start: datetime
    window_end: datetime
    count: int
    baseline: float
    margin: float
    detected_at: datetime

    def envelope(self, source: str) -> Envelope:
        """The published event; its id depends only on what spiked, and when."""
        start = int(self.window_start.timestamp())
        record = f"spike/{self.tenant}/{self.dimension}/{self.value}/{start}"
        return wrap(
            SpikeDetected(
                dimension=self.dimension, value=self.value, window_start=self.window_start,
                window_end=self.window_end, count=self.count, baseline=self.baseline,
                margin=self.margin,
            ),
            source=source, subject=self.dimension, sequence=1, tenant=self.tenant,
            correlation_id=uuid.uuid5(NAMESPACE, record), aggregate_id=record,
            time=self.detected_at,
        )

    def row(self, source: str, published: bool) -> dict:
        return {
            "event_id": str(self.envelope(source).id), "tenant": self.tenant,
            "dimension": self.dimension, "value": self.value,
            "window_start": ch_time(self.window_start), "window_end": ch_time(self.window_end),
            "count": self.count, "baseline": self.baseline, "margin": self.margin,
            "detected_at": ch_time(self.detected_at), "published": int(published),
        }


class SpikeWatcher:
    """Judges the current and the last closed window of every watched value."""

    def __init__(
        self, store: ClickHouseStore, *, rule: SpikeRule, window_s: int, source: str,
        dimensions: Sequence[str] = WATCHED,
    ) -> None:
        self.store = store
        self.rule = rule
        self.window_s = window_s
        self.source = source
        self.dimensions = dimensions

    def detect(self, now: datetime) -> list[Alert]:
        """Every spike in the open window and the one before it."""
        w, n = self.window_s, self.rule.baseline_windows
        current = window_start(now.timestamp(), w)
        judged = (current - w, current)
        first_live = {tenant: int(t) for tenant, t in self.store.select(FIRST_LIVE)}
        alerts = []
        for dimension in self.dimensions:
            counts: dict[tuple[str, str], dict[int, int]] = defaultdict(dict)
            for tenant, value, window, count in self.store.select(
                COUNTS.format(dim=dimension),
                {"w": w, "lo": _ch(current - (n + 1) * w), "hi": _ch(current + w)},
            ):
                counts[(tenant, value)][int(window)] = int(count)
            spiking = 0
            for (tenant, value), series in sorted(counts.items()):
                for start in judged:
                    # Judge a window only against history the projection fully has.
                    if first_live.get(tenant, start) > start - n * w:
                        continue
                    history = [series.get(start - k * w, 0) for k in range(n, 0, -1)]
                    verdict = judge(history, series.get(start, 0), self.rule)
                    if verdict.spiking:
                        spiking += start == current
                        alerts.append(Alert(
                            tenant, dimension, value, _dt(start), _dt(start + w), verdict.count,
                            verdict.baseline, verdict.margin, now,
                        ))
            SPIKING.labels(dimension).set(spiking)
        return alerts

    def record(self, alerts: Sequence[Alert]) -> list[Alert]:
        """Put spikes not seen before into the outbox; one alert per window and value."""
        by_id = {str(a.envelope(self.source).id): a for a in alerts}
        if not by_id:
            return []
        known = {str(i) for (i,) in self.store.select(KNOWN, {"ids": list(by_id)})}
        new = [alert for event_id, alert in by_id.items() if event_id not in known]
        if new:
            self.store.insert("alerts", ALERT_COLUMNS, [a.row(self.source, False) for a in new])
        for alert in new:
            SPIKES.labels(alert.dimension).inc()
            log.warning("spike detected", extra={
                "tenant": alert.tenant, "dimension": alert.dimension, "value": alert.value,
                "count": alert.count, "baseline": alert.baseline,
            })
        return new

    def pending(self) -> list[Alert]:
        """Recorded spikes not yet acknowledged by the broker."""
        return [_alert(row) for row in self.store.select(PENDING)]

    async def publish_pending(self, send: Send) -> int:
        """Publish the outbox, marking each spike published once the broker has it."""
        pending = await in_thread(self.pending)
        for alert in pending:
            envelope = alert.envelope(self.source)
            await send(alert.dimension.encode(), envelope.model_dump_json().encode())
            await in_thread(
                self.store.insert, "alerts", ALERT_COLUMNS, [alert.row(self.source, True)]
            )
        return len(pending)

    async def check(self, send: Send, now: datetime | None = None) -> list[Alert]:
        """Detect, record and publish; returns the spikes that were new."""
        moment = now or datetime.now(UTC)
        new = await in_thread(lambda: self.record(self.detect(moment)))
        await self.publish_pending(send)
        return new

    async def run(self, send: Send, interval_s: float) -> None:
        """Check on a timer until cancelled; a failed check is retried at the next tick."""
        while True:
            try:
                await self.check(send)
            except Exception:
                log.exception("spike check failed")
            await asyncio.sleep(interval_s)


def recent(store: ClickHouseStore, *, tenant: str, limit: int) -> list[Alert]:
    """A tenant's latest recorded spikes, newest window first (published or about to be)."""
    return [_alert(row) for row in store.select(RECENT, {"tenant": tenant, "limit": limit})]


def _alert(row: Sequence) -> Alert:
    _, tenant, dim, value, ws, we, c, b, m, at, _ = row
    return Alert(tenant, dim, value, _parse(ws), _parse(we), int(c), float(b), float(m),
                 _parse(at))


def _ch(epoch_s: int) -> str:
    return ch_time(_dt(epoch_s))


def _dt(epoch_s: int) -> datetime:
    return datetime.fromtimestamp(epoch_s, UTC)


def _parse(value: object) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    return datetime.fromisoformat(str(value)).replace(tzinfo=UTC)
