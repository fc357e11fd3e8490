"""The read side: lists, "about to breach", search and customer 360, each narrowed to what the
caller may see before anything else."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from runtime.auth.principal import Principal
from services.work import terms
from services.work.query import (
    Direction,
    Filters,
    Page,
    SortKey,
    Sql,
    View,
    about_to_breach,
    decode_cursor,
    encode_cursor,
    filters_sql,
    fingerprint,
    page_sql,
    scope_of,
    sort_value,
    stamp,
    view_of,
)
from services.work.store import Store

RECURRENCE_DAYS = 90


@dataclass(frozen=True)
class Listing:
    """One page of complaint rows (with their tags) and the cursor of the next page."""

    rows: list[dict[str, Any]]
    next_cursor: str | None


@dataclass(frozen=True)
class SearchTerms:
    """What a search looks for; every term given must match."""

    reference: str | None = None  # complaint id or external (order) reference
    customer_id: str | None = None
    phone: str | None = None
    email: str | None = None
    text: str | None = None


class WorkQueries:
    """Reads of the read model."""

    def __init__(self, store: Store, *, search_key: bytes) -> None:
        self.store = store
        self.search_key = search_key

    def complaints(self, caller: Principal, *, view: View, filters: Filters,
                   sort: SortKey = SortKey.RECEIVED_AT, direction: Direction = Direction.DESC,
                   limit: int = 50, cursor: str | None = None) -> Listing:
        """A page of a view of the caller's complaints, filtered and sorted."""
        query = fingerprint("list", view, filters, sort, direction, caller.tenant, caller.sub)
        return self._page(scope_of(caller) & view_of(view, caller) & filters_sql(filters),
                          query, Page(sort, direction, limit, _after(cursor, query)))

    def about_to_breach(self, caller: Principal, *, now: datetime, minutes: int,
                        limit: int = 50, cursor: str | None = None) -> Listing:
        """Open complaints whose SLA warning or breach is due within `minutes`, soonest due
        first."""
        query = fingerprint("breach", minutes, caller.tenant, caller.sub)
        return self._page(scope_of(caller) & about_to_breach(now, minutes), query,
                          Page(SortKey.DUE_AT, Direction.ASC, limit, _after(cursor, query)))

    def search(self, caller: Principal, found: SearchTerms, *, limit: int = 50,
               cursor: str | None = None) -> Listing:
        """Complaints matching every term given, newest first."""
        query = fingerprint("search", found, caller.tenant, caller.sub)
        sql = scope_of(caller) & self._matching(caller.tenant, found)
        return self._page(sql, query, Page(SortKey.RECEIVED_AT, Direction.DESC, limit,
                                           _after(cursor, query)))

    def visible(self, caller: Principal, complaint_id: str) -> dict[str, Any] | None:
        """The complaint's row if the caller may see it, else None (answer 404 alike)."""
        sql = scope_of(caller) & Sql("c.complaint_id = ?", (complaint_id,))
        rows = self.store.select(f"SELECT c.* FROM work_complaints c WHERE {sql.where}",
                                 sql.params)
        return self._with_tags(rows)[0] if rows else None

    def customer(self, caller: Principal, row: dict[str, Any]) -> dict[str, Any]:
        """The customer of a complaint the caller may see: their other complaints the caller
        may see, and over all of them (any department) the recurrence flag."""
        tenant, customer_id = row["tenant"], row["customer_id"]
        every = self.store.select(
            "SELECT complaint_id, received_at, customer_tier FROM work_complaints "
            "WHERE tenant = ? AND customer_id = ? ORDER BY received_at DESC, complaint_id DESC",
            (tenant, customer_id))
        sql = scope_of(caller) & Sql("c.customer_id = ? AND c.complaint_id <> ?",
                                     (customer_id, row["complaint_id"]))
        others = self._with_tags(self.store.select(
            f"SELECT c.* FROM work_complaints c WHERE {sql.where} "
            "ORDER BY c.received_at DESC, c.complaint_id DESC", sql.params))
        since = _shifted(row["received_at"], -RECURRENCE_DAYS)
        recent = [r for r in every if r["complaint_id"] != row["complaint_id"]
                  and since <= r["received_at"] <= row["received_at"]]
        tier = next((r["customer_tier"] for r in every if r["customer_tier"]), None)
        csats = [r["csat"] for r in others if r["csat"] is not None]
        return {"customer_id": customer_id, "customer_tier": tier, "vip": tier == "vip",
                "recurrent": bool(recent), "complaints_before": len(recent),
                "average_csat": round(sum(csats) / len(csats), 2) if csats else None,
                "complaints": others}

    def _matching(self, tenant: str, found: SearchTerms) -> Sql:
        sql = Sql("1 = 1")
        if found.reference:
            sql = sql & Sql("(c.complaint_id = ? OR c.external_reference = ?)",
                            (found.reference, found.reference))
        if found.customer_id:
            sql = sql & Sql("c.customer_id = ?", (found.customer_id,))
        digests: list[str] = []
        for kind, value in (("phone", found.phone), ("email", found.email)):
            point = terms.contact_point(value) if value else None
            if value and (point is None or point[0] != kind):
                return Sql("1 = 0")
            if point:
                digests.append(terms.digest(self.search_key, tenant, *point))
        if found.text:
            words = terms.query_keys(self.search_key, tenant, found.text)
            if not words:
                return Sql("1 = 0")
            digests += words
        for digest in dict.fromkeys(digests):
            # IN, not EXISTS: the planner starts from the few complaints with the digest.
            sql = sql & Sql("c.complaint_id IN (SELECT k.complaint_id FROM work_search_keys k "
                            "WHERE k.digest = ?)", (digest,))
        return sql

    def _page(self, sql: Sql, query: str, page: Page) -> Listing:
        after, ordering = page_sql(page)
        where = sql & after
        rows = self.store.select(
            f"SELECT c.* FROM work_complaints c WHERE {where.where} ORDER BY {ordering} "
            f"LIMIT {int(page.limit) + 1}", where.params)
        more, rows = len(rows) > page.limit, rows[:page.limit]
        cursor = (encode_cursor(sort_value(rows[-1], page.sort), rows[-1]["complaint_id"], query)
                  if more else None)
        return Listing(self._with_tags(rows), cursor)

    def _with_tags(self, rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
        if not rows:
            return []
        ids = [r["complaint_id"] for r in rows]
        tags: dict[str, list[str]] = {}
        for t in self.store.select(
                f"SELECT complaint_id, tag FROM work_tags WHERE complaint_id IN "
                f"({', '.join('?' * len(ids))}) ORDER BY tag", ids):
            tags.setdefault(t["complaint_id"], []).append(t["tag"])
        return [{**r, "tags": tags.get(r["complaint_id"], [])} for r in rows]


def _after(cursor: str | None, query: str) -> tuple[str, str] | None:
    return decode_cursor(cursor, query) if cursor else None


def _shifted(stamped: str, days: int) -> str:
    moment = datetime.strptime(stamped, "%Y-%m-%dT%H:%M:%S.%fZ")
    return stamp(moment + timedelta(days=days))
