"""The snapshot reports read: each complaint's folded state as plain columns, kept current by
re-folding only the complaints changed since the last refresh.

Folding a complaint merges its aggregate states (schema.py); doing that for every complaint
of a tenant on every report made each report slower with every complaint (0.1-0.8 s at
155,000 per tenant). A refresh folds the complaints whose facts arrived since the previous
refresh (the facts' views mark them in `changed_complaints`) and appends their rows,
versioned by when the state was read, so the newest fold of a complaint wins
(ReplacingMergeTree, read FINAL). A refresh is idempotent: running one twice, or two
replicas running one each, leaves the same values.

The first refresh of a store (new, rebuilt, or projected before snapshots existed), or the
first after the marks of changes may have expired, folds every complaint. Reports are as
current as the last refresh: `as_of()` tells how current.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from prometheus_client import Gauge, Histogram

from runtime.background import in_thread
from runtime.lease import Lease
from services.analytics.reports import OPEN
from services.analytics.schema import (
    CHANGES_KEPT_DAYS,
    CLOCKS_WITH_COMPLAINTS,
    COMPLAINTS,
    STORED_AT,
)
from services.analytics.state_tables import CLOCK_FOLD, COMPLAINT_FOLD
from services.analytics.store import ClickHouseStore

log = logging.getLogger(__name__)

REFRESH_SECONDS = Histogram(
    "analytics_snapshot_refresh_seconds", "Time to re-fold the complaints changed since the last",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
REFRESHED = Gauge("analytics_snapshot_refreshed_complaints",
                  "Complaints re-folded by the last refresh")
AS_OF = Gauge("analytics_snapshot_as_of_seconds",
              "Unix time up to which projected changes are in the reports' snapshot")
BACKLOG = Gauge("analytics_backlog_complaints",
                "Open complaints in the snapshot by days since receipt, as of its last refresh",
                ["age"])
# The age bands of the backlog report (reports.Reports.backlog), in days.
AGE_BANDS = ((0, 1), (1, 3), (3, 7), (7, 14), (14, 30), (30, None))

# Instants travel as text in UTC: chDB and clickhouse-connect give DateTime64 back differently.
NOW = "SELECT toString(now64(6, 'UTC'))"
LAST = "SELECT toString(max(up_to)), count() FROM snapshot_refreshes"
MARKED = (
    "FROM changed_complaints"
    f" WHERE marked_at > {{since:{STORED_AT}}} AND marked_at <= {{until:{STORED_AT}}}"
)
COUNT_CHANGED = f"SELECT uniqExact(tenant, complaint_id) {MARKED}"
CHANGED = f"(tenant, complaint_id) IN (SELECT tenant, complaint_id {MARKED})"
# A changed complaint's state rows: only in the weeks it has rows in (state_tables.BUCKET).
CHANGED_ROWS = (
    f"{CHANGED} AND (tenant, bucket) IN"
    f" (SELECT tenant, bucket FROM complaint_buckets WHERE {CHANGED})"
)
MARKS_TRUSTED = timedelta(days=CHANGES_KEPT_DAYS - 1)
VERSION = "toUInt64(toUnixTimestamp64Micro(now64(6))) AS refreshed"


def age_band(low: int, high: int | None) -> str:
    """The `age` label of a band: 0-1d, ..., 30d+."""
    return f"{low}d+" if high is None else f"{low}-{high}d"


_AGE = f"dateDiff('millisecond', received_at, {{until:{STORED_AT}}}) / 86400000"
BACKLOG_BY_AGE = (
    "SELECT multiIf("
    + ", ".join(f"{_AGE} < {high}, '{age_band(low, high)}'" for low, high in AGE_BANDS[:-1])
    + f", '{age_band(*AGE_BANDS[-1])}') AS age, count()"
    f" FROM {COMPLAINTS} WHERE received_at IS NOT NULL AND {OPEN} GROUP BY age"
)


def refold_complaints(rows: str) -> str:
    """Append the fold of every complaint whose state rows satisfy `rows`."""
    return f"INSERT INTO complaint_snapshot SELECT *, {VERSION} FROM ({COMPLAINT_FOLD.fold(rows)})"


def refold_clocks(rows: str, complaints: str) -> str:
    """Append the fold of every clock whose state rows satisfy `rows`, with the dimensions of
    its complaint (one satisfying `complaints`) as just refreshed: the newest snapshot row of
    each (FINAL would merge every part of the snapshot; folding the complaints again would
    read their state again)."""
    latest = (
        f"SELECT * FROM complaint_snapshot WHERE {complaints}"
        " ORDER BY refreshed DESC LIMIT 1 BY tenant, complaint_id"
    )
    joined = CLOCKS_WITH_COMPLAINTS.format(clocks=CLOCK_FOLD.fold(rows), complaints=latest)
    return f"INSERT INTO clock_snapshot SELECT *, {VERSION} FROM ({joined})"


RECORD = (
    f"INSERT INTO snapshot_refreshes (up_to, complaints) VALUES ({{until:{STORED_AT}}},"
    " {complaints:UInt64})"
)


@dataclass(frozen=True)
class Refreshed:
    """What one refresh did: up to when, how many complaints it re-folded, whether all."""

    up_to: datetime
    complaints: int
    everything: bool
    seconds: float


class Snapshot:
    """Refreshes the reports' snapshot and tells how current it is."""

    def __init__(self, store: ClickHouseStore, overlap: timedelta = timedelta(seconds=1)) -> None:
        self.store = store
        # Changes marked just before a refresh may still be committing on a server with other
        # writers: each refresh also re-folds the ones marked in the `overlap` before it.
        self.overlap = overlap

    def refresh(self) -> Refreshed:
        """Re-fold the complaints changed since the last refresh (all of them the first time)."""
        began = time.perf_counter()
        until = self.store.select(NOW)[0][0]
        last, refreshes = self.store.select(LAST)[0]
        # Marks older than the ones kept may be gone: after so long, fold everything.
        everything = not refreshes or _utc(until) - _utc(last) > MARKS_TRUSTED
        if everything:
            rows, complaints, params, count = "1", "1", {}, None
        else:
            params = {"since": _text(_utc(last) - self.overlap), "until": until}
            rows, complaints = CHANGED_ROWS, CHANGED
            count = int(self.store.select(COUNT_CHANGED, params)[0][0])
        if count != 0:
            self.store.command(refold_complaints(rows), params)
            self.store.command(refold_clocks(rows, complaints), params)
        if count is None:
            count = int(self.store.select(f"SELECT count() FROM {COMPLAINTS}")[0][0])
        self.store.command(RECORD, {"until": until, "complaints": count})
        refreshed = Refreshed(up_to=_utc(until), complaints=count, everything=everything,
                              seconds=time.perf_counter() - began)
        REFRESH_SECONDS.observe(refreshed.seconds)
        REFRESHED.set(count)
        AS_OF.set(refreshed.up_to.timestamp())
        self._count_backlog(until)
        return refreshed

    def _count_backlog(self, until: str) -> None:
        counts = dict(self.store.select(BACKLOG_BY_AGE, {"until": until}))
        for band in AGE_BANDS:
            BACKLOG.labels(age_band(*band)).set(int(counts.get(age_band(*band), 0)))

    def as_of(self) -> datetime | None:
        """Up to when projected changes are in the snapshot; None before the first refresh."""
        last, refreshes = self.store.select(LAST)[0]
        return _utc(last) if refreshes else None


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def _text(instant: datetime) -> str:
    return instant.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ")


async def keep_current(snapshot: Snapshot, every_s: float, lease: Lease | None = None) -> None:
    """Refresh every `every_s`, or after twice as long as the last refresh took: under a
    flood of changes refreshing takes at most a third of the time. Until cancelled.

    With a lease (runtime.lease), only its holder refreshes: PostgreSQL's advisory lock when
    DATABASE_URL names one (replicas on several machines sharing a ClickHouse server), else a
    file lock in DATA_DIR (chDB is one process's anyway). A refresh is idempotent, so replicas
    on separate machines without a shared PostgreSQL merely repeat each other's work."""
    try:
        while True:
            wait = every_s
            try:
                if lease is not None and not await in_thread(lease.held):
                    await asyncio.sleep(min(every_s, 1.0))  # a standby asks again soon
                    continue
                refreshed = await in_thread(snapshot.refresh)
                wait = max(every_s, 2 * refreshed.seconds)
                if refreshed.everything or refreshed.seconds > every_s:
                    log.info("snapshot refreshed", extra={
                        "complaints": refreshed.complaints, "everything": refreshed.everything,
                        "seconds": round(refreshed.seconds, 3),
                    })
            except Exception:
                log.exception("snapshot refresh failed; reports keep the previous one")
            await asyncio.sleep(wait)
    finally:
        if lease is not None:
            lease.release()
