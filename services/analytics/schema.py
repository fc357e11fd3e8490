"""The ClickHouse tables of the projection, generated from one list of state columns.

A complaint's current state is an AggregatingMergeTree row folded from per-event facts: each
event contributes only the fields it knows, and every column merges with an order-free,
idempotent function (latest value by event time, earliest, latest, set, distinct count). So
facts may arrive in any order, from any replica, even twice, and the state is the same.
Facts are inserted into a Null table; a materialized view turns them into aggregate states.
"""

from __future__ import annotations

from dataclasses import dataclass

from contracts.intake import ComplaintDetails

TIME = "DateTime64(3, 'UTC')"
# When analytics stored something (not when it happened): microseconds, for refresh windows.
STORED_AT = "DateTime64(6, 'UTC')"
VERSION_TYPE = f"Tuple({TIME}, UInt64)"
# An unknown value carries the lowest version, so any known value wins over it.
VERSION = "if(isNull({c}), tuple(toDateTime64(0, 3, 'UTC'), toUInt64(0)), tuple(time, seq))"


@dataclass(frozen=True)
class Column:
    """One state column: its value type, how facts merge, how the view reads it."""

    name: str
    type: str
    merge: str  # latest | earliest | last_time | distinct | union
    fallbacks: tuple[str, ...] = ()  # columns read, in turn, when this one is unknown

    def fact_type(self) -> str:
        return "Array(String)" if self.merge == "union" else f"Nullable({self.type})"

    def state_ddl(self) -> str:
        nullable = f"Nullable({self.type})"
        return {
            "latest": f"AggregateFunction(argMax, {nullable}, {VERSION_TYPE})",
            "earliest": f"SimpleAggregateFunction(min, {nullable})",
            "last_time": f"SimpleAggregateFunction(max, {nullable})",
            "distinct": f"AggregateFunction(uniqExact, {nullable})",
            "union": "SimpleAggregateFunction(groupUniqArrayArray, Array(String))",
        }[self.merge]

    def to_state(self) -> str:
        c = self.name
        return {
            "latest": f"argMaxState({c}, {VERSION.format(c=c)})",
            "earliest": f"min({c})",
            "last_time": f"max({c})",
            "distinct": f"uniqExactState({c})",
            "union": f"groupUniqArrayArray({c})",
        }[self.merge] + f" AS {c}"

    def read(self) -> str:
        c = self.name
        # '' is how a fact says "explicitly none" (e.g. a transfer to a queue without an agent).
        read = {
            "latest": f"argMaxMerge({c})",
            "earliest": f"min({c})",
            "last_time": f"max({c})",
            "distinct": f"uniqExactMerge({c})",
            "union": f"groupUniqArrayArray({c})",
        }[self.merge]
        if self.type == "String" and self.merge == "latest":
            read = f"nullIf({read}, '')"
        if self.fallbacks:
            others = ", ".join(f"nullIf(argMaxMerge({f}), '')" for f in self.fallbacks)
            read = f"coalesce({read}, {others})"
        return read


def _text(*names: str) -> list[Column]:
    return [Column(name, "String", "latest") for name in names]


COMPLAINT_COLUMNS: tuple[Column, ...] = (
    # The complaint's details but its product (below, with its fallback).
    *_text("channel", *(name for name in ComplaintDetails.DIMENSIONS if name != "product")),
    *_text(
        "customer_id", "customer_tier", "language", "category", "severity",
    ),
    # The lifecycle status (contracts.lifecycle): the latest word of the furthest stage that
    # has spoken. `status` holds resolution's word, the hidden columns the earlier stages'.
    Column("status", "String", "latest", fallbacks=("dispatch_status", "intake_status")),
    *_text(
        "department", "queue", "agent", "root_cause", "resolution_kind", "company_response",
        "duplicate_of", "escalation_level",
    ),
    # What the channel said wins; the classifier's product (possibly predicted) and region
    # fill in where the channel said nothing.
    Column("product", "String", "latest", fallbacks=("classified_product",)),
    Column("region", "String", "latest", fallbacks=("classified_region",)),
    Column("historical", "UInt8", "latest"),
    Column("csat", "UInt8", "latest"),
    Column("nps", "UInt8", "latest"),
    Column("timely", "UInt8", "latest"),
    Column("consumer_disputed", "UInt8", "latest"),
    Column("received_at", TIME, "latest"),
    Column("sent_to_company_at", TIME, "latest"),
    Column("first_response_at", TIME, "earliest"),
    Column("resolved_at", TIME, "earliest"),
    Column("closed_at", TIME, "last_time"),
    Column("updated_at", TIME, "last_time"),
    Column("reopen_id", "UUID", "distinct"),
    Column("transfer_id", "UUID", "distinct"),
    Column("breached_targets", "String", "union"),
)
# Fallback sources: stored, folded, never read on their own.
HIDDEN_COLUMNS: tuple[Column, ...] = (
    Column("classified_product", "String", "latest"),
    Column("classified_region", "String", "latest"),
    Column("dispatch_status", "String", "latest"),
    Column("intake_status", "String", "latest"),
)

CLOCK_COLUMNS: tuple[Column, ...] = (
    *_text("target", "severity", "outcome"),  # outcome: met, breached or cancelled
    Column("met", "UInt8", "latest"),
    Column("deadline_at", TIME, "latest"),
    Column("started_at", TIME, "earliest"),
    Column("stopped_at", TIME, "last_time"),
    Column("breached_at", TIME, "earliest"),
)

# View names for the counted columns, so readers say reopen_count rather than reopen_id.
RENAMED = {"reopen_id": "reopen_count", "transfer_id": "transfer_count"}
COMPLAINT_VIEW = tuple(RENAMED.get(c.name, c.name) for c in COMPLAINT_COLUMNS)


# Flags derived in the view from the breached targets, for readers who want one column each.
COMPLAINT_FLAGS = (
    ("sla_breached", "notEmpty(breached_targets)"),
    ("first_response_breached", "has(breached_targets, 'first_response')"),
    ("resolution_breached", "has(breached_targets, 'resolution')"),
)


# A fact's state row lives in the week of the fact's event time, after the tenant in the sorting
# key: a complaint's facts mostly fall in the weeks after its receipt, so re-folding the
# complaints changed lately reads those weeks' rows rather than every complaint's (ids are
# random). A complaint whose facts span weeks has a row per week; folds group them together.
BUCKET = "toMonday(time)"


def key_ddl(keys: tuple[str, ...]) -> str:
    """Column definitions of key columns: all strings but the tenant and the week."""
    special = {"tenant": "tenant LowCardinality(String)", "bucket": "bucket Date"}
    return ", ".join(special.get(key, f"{key} String") for key in keys)


@dataclass(frozen=True)
class Folded:
    """Facts (a Null table) folded by a materialized view into a state table, read back by
    grouping the state per key: a complaint, or an SLA clock."""

    facts: str
    state: str
    view: str
    keys: tuple[str, ...]
    columns: tuple[Column, ...]
    hidden: tuple[Column, ...] = ()  # stored and folded, read only as another's fallback
    derived: tuple[tuple[str, str], ...] = ()  # (name, expression over read columns)

    def ddl(self) -> list[str]:
        """The facts table, the state table, the materialized view folding facts into state,
        and the view reading the state back."""
        stored = self.columns + self.hidden
        sort = ("tenant", "bucket", *self.keys[1:])
        fact_cols = ", ".join(f"{c.name} {c.fact_type()}" for c in stored)
        return [
            f"CREATE TABLE IF NOT EXISTS {self.facts} ({key_ddl(self.keys)}, time {TIME},"
            f" seq UInt64, {fact_cols}) ENGINE = Null",
            f"CREATE TABLE IF NOT EXISTS {self.state} ({key_ddl(sort)}, "
            + ", ".join(f"{c.name} {c.state_ddl()}" for c in stored)
            + f") ENGINE = AggregatingMergeTree ORDER BY ({', '.join(sort)})",
            f"CREATE MATERIALIZED VIEW IF NOT EXISTS {self.state}_mv TO {self.state} AS SELECT "
            + ", ".join(k if k != "bucket" else f"{BUCKET} AS bucket" for k in sort) + ", "
            + ", ".join(c.to_state() for c in stored)
            + f" FROM {self.facts} GROUP BY {', '.join(sort)}",
            f"CREATE VIEW IF NOT EXISTS {self.view} AS {self.fold()}",
        ]

    def state_columns(self) -> tuple[str, ...]:
        """Every column of the state table."""
        return ("tenant", "bucket", *self.keys[1:], *(c.name for c in self.columns + self.hidden))

    def fold(self, where: str = "1") -> str:
        """The current state of each key whose state rows satisfy `where`."""
        keys = ", ".join(self.keys)
        return (
            f"SELECT {keys}, "
            + ", ".join(f"{c.read()} AS {RENAMED.get(c.name, c.name)}" for c in self.columns)
            + "".join(f", {expr} AS {name}" for name, expr in self.derived)
            + f" FROM {self.state} WHERE {where} GROUP BY {keys}"
        )




class OutdatedLayout(RuntimeError):
    """The state tables were created by an earlier version, with another sorting key."""


COMPLAINT_FOLD = Folded("complaint_facts", "complaint_state", "complaints",
                        ("tenant", "complaint_id"), COMPLAINT_COLUMNS, HIDDEN_COLUMNS,
                        COMPLAINT_FLAGS)
CLOCK_FOLD = Folded("clock_facts", "clock_state", "sla_clocks",
                    ("tenant", "complaint_id", "clock_id"), CLOCK_COLUMNS)


# The columns of the state tables as they are, to find those an earlier version created.
STATE_TABLE_COLUMNS = (
    "SELECT table, groupArray(name) FROM system.columns WHERE database = currentDatabase()"
    " AND table IN ('complaint_state', 'clock_state') GROUP BY table"
)


def outdated(existing: dict[str, list[str]]) -> list[str]:
    """State tables created by an earlier version: without the weekly bucket, or without a
    column added since (e.g. a clock's outcome). They need a rebuild."""
    return sorted(
        fold.state for fold in (COMPLAINT_FOLD, CLOCK_FOLD)
        if fold.state in existing and not set(fold.state_columns()) <= set(existing[fold.state])
    )


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
FACT_COLUMNS = (
    "tenant", "complaint_id", "time", "seq",
    *(c.name for c in COMPLAINT_COLUMNS + HIDDEN_COLUMNS),
)
CLOCK_FACT_COLUMNS = (
    "tenant", "complaint_id", "clock_id", "time", "seq", *(c.name for c in CLOCK_COLUMNS)
)
