"""The folded state tables of the projection, generated from one list of state columns.

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

# The columns of a batch of facts, as the projection inserts them.
FACT_COLUMNS = (
    "tenant", "complaint_id", "time", "seq",
    *(c.name for c in COMPLAINT_COLUMNS + HIDDEN_COLUMNS),
)
CLOCK_FACT_COLUMNS = (
    "tenant", "complaint_id", "clock_id", "time", "seq", *(c.name for c in CLOCK_COLUMNS)
)
