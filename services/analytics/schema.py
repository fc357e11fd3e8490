"""Every table and view of the projection: the raw events, the projection's bookkeeping, the
folded state (state_tables.py) and the snapshots reports read.
"""

from __future__ import annotations

from services.analytics.state_tables import (
    BUCKET,
    CLOCK_FOLD,
    COMPLAINT_FOLD,
    COMPLAINT_VIEW,
    TIME,
)

# When analytics stored something (not when it happened): microseconds, for refresh windows.
STORED_AT = "DateTime64(6, 'UTC')"

# The sorting key ends in event_id and tenant, type and month are functions of the event, so
# rows with one event id collapse into one (ReplacingMergeTree); readers count uniqExact ids.
EVENTS = """
    CREATE TABLE IF NOT EXISTS events (
        event_id UUID,
        type LowCardinality(String),
        complaint_id String,
        tenant LowCardinality(String),
        source LowCardinality(String),
        time DateTime64(3, 'UTC'),
        sequence UInt64,
        correlation_id UUID,
        data String
    ) ENGINE = ReplacingMergeTree
    PARTITION BY toYYYYMM(time)
    ORDER BY (tenant, type, event_id)
"""

# Ordered by event time first: a batch's ids are looked up in the narrow time range it covers
# (a re-published event keeps its time), not across every id ever seen.
SEEN = f"""
    CREATE TABLE IF NOT EXISTS seen_events (
        time {TIME},
        event_id UUID
    ) ENGINE = ReplacingMergeTree
    ORDER BY (time, event_id)
"""

# The projection's own record of how far it got, written after each batch: a rebuild or a
# consumer group that lost its offsets resumes from here, not from Kafka's committed offsets.
POSITIONS = f"""
    CREATE TABLE IF NOT EXISTS positions (
        topic LowCardinality(String),
        partition UInt32,
        offset Int64,
        batch_id UUID,
        stored_at {TIME} DEFAULT now64(3)
    ) ENGINE = ReplacingMergeTree(offset)
    ORDER BY (topic, partition)
"""

ALERTS = f"""
    CREATE TABLE IF NOT EXISTS alerts (
        event_id UUID,
        tenant LowCardinality(String),
        dimension LowCardinality(String),
        value String,
        window_start {TIME},
        window_end {TIME},
        count UInt64,
        baseline Float64,
        margin Float64,
        detected_at {TIME},
        published UInt8
    ) ENGINE = ReplacingMergeTree(published)
    ORDER BY event_id
"""

ACTIONS = f"""
    CREATE TABLE IF NOT EXISTS actions (
        action_id UUID,
        tenant LowCardinality(String),
        target_kind LowCardinality(String),
        target String,
        title String,
        owner String,
        due_date Date,
        effective_at {TIME},
        created_at {TIME}
    ) ENGINE = ReplacingMergeTree
    ORDER BY (tenant, action_id)
"""

# Reports read a snapshot of the folded state as plain columns (snapshot.py), not the live
# views: merging every complaint's aggregate states costs most of a report's time at millions
# of complaints. Each fact marks its complaint changed; a refresh re-folds only those.
CHANGES_KEPT_DAYS = 7
CHANGED_COMPLAINTS = f"""
    CREATE TABLE IF NOT EXISTS changed_complaints (
        marked_at {STORED_AT},
        tenant LowCardinality(String),
        complaint_id String
    ) ENGINE = MergeTree
    ORDER BY marked_at
    TTL toDateTime(marked_at) + INTERVAL {CHANGES_KEPT_DAYS} DAY
"""


# The weeks each complaint has state rows in (see BUCKET), to find them without a full scan.
BUCKETS = """
    CREATE TABLE IF NOT EXISTS complaint_buckets (
        tenant LowCardinality(String),
        complaint_id String,
        bucket Date
    ) ENGINE = ReplacingMergeTree
    ORDER BY (tenant, complaint_id, bucket)
"""


def _noted(facts: str) -> list[str]:
    """Views marking a fact's complaint changed, and the week its state row lives in."""
    return [
        f"CREATE MATERIALIZED VIEW IF NOT EXISTS {facts}_changed_mv TO changed_complaints"
        f" AS SELECT DISTINCT now64(6) AS marked_at, tenant, complaint_id FROM {facts}",
        f"CREATE MATERIALIZED VIEW IF NOT EXISTS {facts}_buckets_mv TO complaint_buckets"
        f" AS SELECT DISTINCT tenant, complaint_id, {BUCKET} AS bucket FROM {facts}",
    ]


# A clock with its complaint's dimensions; severity is the clock's, the one its policy used.
CLOCKS_WITH_COMPLAINTS = (
    "SELECT c.clock_id AS clock_id, c.target AS target, ifNull(c.severity, k.severity) AS severity,"
    " c.met AS met, c.outcome AS outcome, c.breached_at AS breached_at, "
    + ", ".join(f"k.{name} AS {name}" for name in ("tenant", "complaint_id", *COMPLAINT_VIEW)
                if name != "severity")
    + " FROM ({clocks}) AS c INNER JOIN ({complaints}) AS k"
    " ON c.tenant = k.tenant AND c.complaint_id = k.complaint_id"
)


def _snapshot(table: str, view: str, keys: str, source: str) -> list[str]:
    # The latest refresh of a row wins; `refreshed` is when that refresh read the state. Not
    # partitioned by tenant: a refresh would write a part into every tenant's partition.
    return [
        f"CREATE TABLE IF NOT EXISTS {table} ENGINE = ReplacingMergeTree(refreshed)"
        f" ORDER BY ({keys})"
        f" EMPTY AS SELECT *, toUInt64(0) AS refreshed FROM ({source})",
        f"CREATE VIEW IF NOT EXISTS {view} AS SELECT * EXCEPT refreshed FROM {table} FINAL",
    ]


# One row per refresh (every few seconds), kept as long as the marks they relied on.
REFRESHES = f"""
    CREATE TABLE IF NOT EXISTS snapshot_refreshes (
        up_to {STORED_AT},
        complaints UInt64,
        finished_at {TIME} DEFAULT now64(3)
    ) ENGINE = MergeTree
    ORDER BY up_to
    TTL toDateTime(up_to) + INTERVAL {CHANGES_KEPT_DAYS} DAY
"""

# What reports read: every complaint, and every SLA clock with its complaint's dimensions.
COMPLAINTS = "current_complaints"
CLOCKS = "current_clocks"

SCHEMA: tuple[str, ...] = (
    EVENTS, SEEN, POSITIONS, ALERTS, ACTIONS, CHANGED_COMPLAINTS, BUCKETS, REFRESHES,
    *COMPLAINT_FOLD.ddl(), *CLOCK_FOLD.ddl(),
    *_noted(COMPLAINT_FOLD.facts), *_noted(CLOCK_FOLD.facts),
    *_snapshot("complaint_snapshot", COMPLAINTS, "tenant, complaint_id",
               COMPLAINT_FOLD.fold()),
    *_snapshot("clock_snapshot", CLOCKS, "tenant, complaint_id, clock_id",
               CLOCKS_WITH_COMPLAINTS.format(clocks=CLOCK_FOLD.fold(),
                                             complaints=COMPLAINT_FOLD.fold())),
)

# What a rebuild drops, views before the tables they read; `consumed` is the skeleton's table.
# Not `alerts` (the outbox of published spikes) nor `actions` (entered by people): neither is
# derived from the topics, so a replay could not bring them back.
PROJECTION_TABLES = (
    COMPLAINTS, CLOCKS, "complaint_snapshot", "clock_snapshot", "snapshot_refreshes",
    "complaint_facts_changed_mv", "clock_facts_changed_mv", "changed_complaints",
    "complaint_facts_buckets_mv", "clock_facts_buckets_mv", "complaint_buckets",
    "complaint_state_mv", "clock_state_mv", "complaints", "sla_clocks", "complaint_facts",
    "clock_facts", "complaint_state", "clock_state", "events", "seen_events", "positions",
    "consumed",
)
