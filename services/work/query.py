"""What a list asks for, turned into SQL over the read model: filters, the caller's scope, sort
and the opaque cursor. Pure: no connection is touched here."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from runtime.auth.principal import Principal
from runtime.auth.roles import Scope

OPEN_STATUSES = ("received", "queued", "assigned", "investigating", "waiting_on_customer",
                 "reopened", "in_progress")


class View(StrEnum):
    MINE = "mine"  # the caller is the complaint's agent (its owner)
    QUEUE = "queue"  # waiting in the caller's queues (or departments) for an agent
    DEPARTMENT = "department"  # everything of the caller's departments
    ALL = "all"  # everything the caller may see (a manager: the whole tenant)


# StrEnum("Name", "A B_C") declares Name.A = "a", Name.B_C = "b_c": values are the
# member names in lower case.
SortKey = StrEnum("SortKey", "RECEIVED_AT DUE_AT SEVERITY UPDATED_AT")


Direction = StrEnum("Direction", "ASC DESC")


# A missing due date or severity sorts last ascending: "~" follows every digit and letter.
SORT_EXPRESSIONS: Mapping[SortKey, str] = {
    SortKey.RECEIVED_AT: "c.received_at",
    SortKey.DUE_AT: "COALESCE(c.due_at, '~')",
    SortKey.SEVERITY: "COALESCE(c.severity, '~')",
    SortKey.UPDATED_AT: "c.updated_at",
}


class BadCursor(ValueError):
    """The cursor was not made by this service for this query."""


@dataclass(frozen=True)
class Filters:
    """Every filter a list takes; an empty one does not narrow."""

    status: tuple[str, ...] = ()
    stage: tuple[str, ...] = ()
    severity: tuple[str, ...] = ()
    category: tuple[str, ...] = ()
    channel: tuple[str, ...] = ()
    sla_state: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()  # every one of them
    due_before: datetime | None = None
    received_from: datetime | None = None
    received_to: datetime | None = None


@dataclass(frozen=True)
class Page:
    """Sort and position of one page."""

    sort: SortKey = SortKey.RECEIVED_AT
    direction: Direction = Direction.DESC
    limit: int = 50
    after: tuple[str, str] | None = None  # (sort value, complaint id) of the last row seen


@dataclass(frozen=True)
class Sql:
    """A WHERE clause with `?` placeholders and its parameters."""

    where: str
    params: tuple[object, ...] = field(default=())

    def __and__(self, other: Sql) -> Sql:
        return Sql(f"({self.where}) AND ({other.where})", (*self.params, *other.params))


def stamp(moment: datetime) -> str:
    """A time as the read model stores it: fixed-width UTC ISO, so text order is time order."""
    utc = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def scope_of(principal: Principal) -> Sql:
    """What the caller may see (runtime.auth.objects.may_see, as SQL): own tenant; every
    department with `departments:all`, else their departments (and queues, if the token lists
    them)."""
    scope = Sql("c.tenant = ?", (principal.tenant,))
    if principal.has(Scope.ALL_DEPARTMENTS):
        return scope
    departments = sorted(principal.departments)
    if not departments:
        return scope & Sql("1 = 0")
    scope = scope & _within("c.department", departments)
    if principal.queues:
        scope = scope & Sql(f"(c.queue IS NULL OR {_in('c.queue', len(principal.queues))})",
                            tuple(sorted(principal.queues)))
    return scope


def view_of(view: View, principal: Principal) -> Sql:
    """The part of the caller's scope a view shows."""
    if view is View.MINE:
        return Sql("c.agent_id = ?", (principal.sub,))
    if view is View.QUEUE:
        open_ = _within("c.status", OPEN_STATUSES)
        waiting = Sql("c.agent_id IS NULL AND c.department IS NOT NULL") & open_
        if principal.queues:
            return waiting & _within("c.queue", sorted(principal.queues))
        return waiting
    if view is View.DEPARTMENT:
        return Sql("c.department IS NOT NULL")
    return Sql("1 = 1")


def filters_sql(filters: Filters) -> Sql:
    """The filters as one clause."""
    sql = Sql("1 = 1")
    for column in ("status", "stage", "severity", "category", "channel", "sla_state"):
        values = getattr(filters, column)
        if values:
            sql = sql & _within(f"c.{column}", values)
    for tag in filters.tags:
        # EXISTS: a tag is common; the planner walks the page's index and checks each row.
        sql = sql & Sql("EXISTS (SELECT 1 FROM work_tags t WHERE t.complaint_id = c.complaint_id"
                        " AND t.tag = ?)", (tag,))
    if filters.due_before is not None:
        sql = sql & Sql("c.due_at < ?", (stamp(filters.due_before),))
    if filters.received_from is not None:
        sql = sql & Sql("c.received_at >= ?", (stamp(filters.received_from),))
    if filters.received_to is not None:
        sql = sql & Sql("c.received_at < ?", (stamp(filters.received_to),))
    return sql


def about_to_breach(now: datetime, minutes: int) -> Sql:
    """Open complaints whose SLA warning or breach falls due within the next `minutes`."""
    start, end = stamp(now), stamp(now + timedelta(minutes=minutes))
    return _within("c.status", OPEN_STATUSES) & Sql(
        "((c.warn_at > ? AND c.warn_at <= ?) OR (c.due_at > ? AND c.due_at <= ?))",
        (start, end, start, end),
    )


def page_sql(page: Page) -> tuple[Sql, str]:
    """The keyset condition after the cursor's row, and the ORDER BY of the page."""
    expression = SORT_EXPRESSIONS[page.sort]
    order = "ASC" if page.direction is Direction.ASC else "DESC"
    ordering = f"{expression} {order}, c.complaint_id {order}"
    if page.after is None:
        return Sql("1 = 1"), ordering
    value, complaint_id = page.after
    beyond = ">" if page.direction is Direction.ASC else "<"
    return Sql(f"({expression} {beyond} ? OR ({expression} = ? AND c.complaint_id {beyond} ?))",
               (value, value, complaint_id)), ordering


def fingerprint(*parts: object) -> str:
    """A short digest of what a cursor belongs to (view, filters, sort), to refuse it elsewhere."""
    text = json.dumps([_plain(part) for part in parts], sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def encode_cursor(value: str, complaint_id: str, query: str) -> str:
    """An opaque cursor for the row after (value, complaint_id) of the query fingerprinted."""
    raw = json.dumps({"v": value, "id": complaint_id, "q": query}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, query: str) -> tuple[str, str]:
    """(sort value, complaint id) of a cursor made for this query; BadCursor otherwise."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        data = json.loads(raw)
        value, complaint_id, made_for = data["v"], data["id"], data["q"]
    except (binascii.Error, ValueError, TypeError, KeyError) as error:
        raise BadCursor("the cursor is not one this service gave") from error
    if not (isinstance(value, str) and isinstance(complaint_id, str)) or made_for != query:
        raise BadCursor("the cursor belongs to another list, filter or sort")
    return value, complaint_id


def sort_value(row: Mapping[str, object], sort: SortKey) -> str:
    """The value a row is sorted by, as the SQL expression gives it."""
    value = row[sort.value]
    return "~" if value is None else str(value)


def _plain(part: object) -> object:
    return asdict(part) if hasattr(part, "__dataclass_fields__") else part


def _in(column: str, n: int) -> str:
    return f"{column} IN ({', '.join('?' * n)})"


def _within(column: str, values: Sequence[str]) -> Sql:
    return Sql(_in(column, len(values)), tuple(values))
