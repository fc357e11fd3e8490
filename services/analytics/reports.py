"""The questions analytics answers, as SQL over the current state of every complaint.

Each report returns rows (dicts), one per group of its Grouping. Durations are hours, rates
are shares in [0, 1] (None when nothing was counted), medians and p90 interpolate linearly
(quantileExactInclusive, as numpy and pandas do).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from services.analytics.folding import ch_time
from services.analytics.schema import CLOCKS, COMPLAINTS
from services.analytics.slicing import Grouping, Slice
from services.analytics.store import ClickHouseStore

Rows = list[dict[str, Any]]
Exprs = Sequence[tuple[str, str]]

HOURS = "dateDiff('millisecond', received_at, {end}) / 3600000"
FIRST_RESPONSE = HOURS.format(end="first_response_at")
RESOLUTION = HOURS.format(end="resolved_at")
OPEN = "status NOT IN ('closed', 'duplicate')"
# A clock is met when it reached its target in time and never breached, breached when either
# failed, cancelled when its target stopped applying before its deadline (a reclassification,
# a duplicate): neither met nor breached, so compliance leaves it out. Running: none of them.
CLOCK_MET = "outcome = 'met' AND breached_at IS NULL"
CLOCK_BREACHED = "breached_at IS NOT NULL OR outcome = 'breached'"
CLOCK_CANCELLED = "outcome = 'cancelled' AND breached_at IS NULL"

def _rate(numerator: str, denominator: str) -> str:
    return f"if({denominator} = 0, NULL, round({numerator} / {denominator}, 6))"


def _quantiles(name: str, hours: str, present: str) -> list[tuple[str, str]]:
    q = f"quantilesExactInclusiveIf(0.5, 0.9)({hours}, {present})"
    return [
        (f"median_{name}_hours", f"round({q}[1], 4)"),
        (f"p90_{name}_hours", f"round({q}[2], 4)"),
    ]


class Reports:
    """Read-only questions over the projection."""

    def __init__(self, store: ClickHouseStore) -> None:
        self.store = store

    def volume(self, slice: Slice, grouping: Grouping) -> Rows:
        """Complaints received, per period and dimension."""
        return self._aggregate([("complaints", "count()")], slice, grouping)

    def backlog(self, slice: Slice, grouping: Grouping, *, as_of: datetime) -> Rows:
        """Open complaints and how long they have waited, as of an instant."""
        age = "dateDiff('millisecond', received_at, {as_of:DateTime64(3, 'UTC')}) / 86400000"
        buckets = [(0, 1), (1, 3), (3, 7), (7, 14), (14, 30)]
        return self._aggregate([
            ("open", "count()"),
            *((f"age_{lo}_{hi}_days", f"countIf({age} >= {lo} AND {age} < {hi})")
              for lo, hi in buckets),
            ("age_over_30_days", f"countIf({age} >= 30)"),
            ("median_age_days", f"round(quantileExactInclusive(0.5)({age}), 4)"),
            ("oldest_age_days", f"round(max({age}), 4)"),
        ], slice, grouping, where=OPEN, params={"as_of": ch_time(as_of)})

    def response_times(self, slice: Slice, grouping: Grouping) -> Rows:
        """First-response time and time to resolution: how many, median and p90 hours."""
        return self._aggregate([
            ("complaints", "count()"),
            ("responded", "count(first_response_at)"),
            *_quantiles("first_response", FIRST_RESPONSE, "first_response_at IS NOT NULL"),
            ("resolved", "count(resolved_at)"),
            *_quantiles("resolution", RESOLUTION, "resolved_at IS NOT NULL"),
        ], slice, grouping)

    def sla(self, slice: Slice, grouping: Grouping) -> Rows:
        """SLA clocks met, breached and cancelled; compliance is met / (met + breached)."""
        return self._aggregate([
            ("clocks", "count()"),
            ("met", f"countIf({CLOCK_MET})"),
            ("breached", f"countIf({CLOCK_BREACHED})"),
            ("cancelled", f"countIf({CLOCK_CANCELLED})"),
            ("compliance", _rate(f"countIf({CLOCK_MET})",
                                 f"countIf({CLOCK_MET} OR {CLOCK_BREACHED})")),
        ], slice, grouping, source=CLOCKS)

    def satisfaction(self, slice: Slice, grouping: Grouping) -> Rows:
        """CSAT distribution and mean; NPS = % promoters (9-10) - % detractors (0-6)."""
        return self._aggregate([
            ("csat_responses", "count(csat)"),
            *((f"csat_{score}", f"countIf(csat = {score})") for score in range(1, 6)),
            ("csat_mean", "if(count(csat) = 0, NULL, round(avg(csat), 4))"),
            ("nps_responses", "count(nps)"),
            ("promoters", "countIf(nps >= 9)"),
            ("detractors", "countIf(nps <= 6)"),
            ("nps", "if(count(nps) = 0, NULL,"
                    " round(100 * (countIf(nps >= 9) - countIf(nps <= 6)) / count(nps), 4))"),
        ], slice, grouping)

    def recurrence(self, slice: Slice, grouping: Grouping, *, days: int) -> Rows:
        """Share of complaints whose customer complained in the `days` before, at all and in
        the same category; complaints without a customer id are not counted."""
        window = "max(received_at) OVER (PARTITION BY tenant, customer_id{extra}" \
                 " ORDER BY received_at, complaint_id ROWS BETWEEN 1 PRECEDING AND 1 PRECEDING)"
        within = (
            "({p} IS NOT NULL"
            " AND dateDiff('second', {p}, received_at) <= {{days:UInt32}} * 86400)"
        )
        # The windows are per tenant, so the tenant filter may apply before them; the others
        # may not: an earlier complaint outside the slice still makes a later one a repeat.
        tenant, tenant_params = slice.tenants().where(prefix="t")
        source = (
            "(SELECT *, " + window.format(extra="") + " AS previous_any, "
            + f"if(category IS NULL, NULL, {window.format(extra=', category')}) AS previous_same"
            f" FROM {COMPLAINTS} WHERE customer_id != '' AND received_at IS NOT NULL AND {tenant})"
        )
        any_, same = within.format(p="previous_any"), within.format(p="previous_same")
        return self._aggregate([
            ("complaints", "count()"),
            ("repeat_customers", f"countIf({any_})"),
            ("recurrence_rate", _rate(f"countIf({any_})", "count()")),
            ("repeat_same_category", f"countIf({same})"),
            ("same_category_rate", _rate(f"countIf({same})", "count()")),
        ], slice, grouping, source=source, params={"days": days, **tenant_params})

    def rates(self, slice: Slice, grouping: Grouping) -> Rows:
        """Closure, reopen and first-contact resolution rates.

        closure = closed / received; reopen = reopened at least once / closed at least once;
        first-contact resolution = closed with no transfer and no reopening / closed.
        """
        closed, fcr = "countIf(status = 'closed')", \
            "countIf(status = 'closed' AND transfer_count = 0 AND reopen_count = 0)"
        ever_closed, reopened = "count(closed_at)", "countIf(reopen_count > 0)"
        return self._aggregate([
            ("complaints", "count()"),
            ("closed", closed),
            ("closure_rate", _rate(closed, "count()")),
            ("ever_closed", ever_closed),
            ("reopened", reopened),
            ("reopen_rate", _rate(reopened, ever_closed)),
            ("first_contact_resolved", fcr),
            ("first_contact_resolution_rate", _rate(fcr, closed)),
        ], slice, grouping)

    def pareto(self, slice: Slice, of: str) -> Rows:
        """Values of one dimension by complaints, descending, with share and cumulative share."""
        rows = self._aggregate([("complaints", "count()")], slice, Grouping(by=(of,)),
                               where=f"{of} IS NOT NULL")
        rows.sort(key=lambda row: (-row["complaints"], str(row[of])))
        total, running = sum(row["complaints"] for row in rows), 0
        for row in rows:
            running += row["complaints"]
            row["share"] = round(row["complaints"] / total, 6)
            row["cumulative_share"] = round(running / total, 6)
        return rows

    def performance(self, slice: Slice, of: str) -> Rows:
        """Per department, queue or agent: load, closure, speed, SLA, satisfaction, reopens."""
        closed = "countIf(status = 'closed')"
        return self._aggregate([
            ("complaints", "count()"),
            ("open", f"countIf({OPEN})"),
            ("closed", closed),
            *_quantiles("resolution", RESOLUTION, "resolved_at IS NOT NULL"),
            ("sla_breached", "countIf(notEmpty(breached_targets))"),
            ("sla_breach_rate", _rate("countIf(notEmpty(breached_targets))", "count()")),
            ("csat_mean", "if(count(csat) = 0, NULL, round(avg(csat), 4))"),
            ("reopen_rate", _rate("countIf(reopen_count > 0)", "count(closed_at)")),
        ], slice, Grouping(by=(of,)), where=f"{of} IS NOT NULL")

    def day_types(self, slice: Slice, grouping: Grouping) -> Rows:
        """Weekday versus weekend (UTC): volume, volume per calendar day seen, speed."""
        day_type = "if(toDayOfWeek(received_at) >= 6, 'weekend', 'weekday')"
        rows = self._aggregate([
            ("day_type", day_type),
            ("complaints", "count()"),
            ("days", "uniqExact(toDate(received_at))"),
            *_quantiles("first_response", FIRST_RESPONSE, "first_response_at IS NOT NULL"),
            *_quantiles("resolution", RESOLUTION, "resolved_at IS NOT NULL"),
        ], slice, grouping, extra_keys=(("day_type", day_type),))
        for row in rows:
            row["per_day"] = round(row["complaints"] / row["days"], 4)
        return rows

    def timely_response(self, slice: Slice, grouping: Grouping) -> Rows:
        """Share of complaints answered in time, of those where timeliness is recorded."""
        return self._aggregate([
            ("answered", "count(timely)"),
            ("timely", "countIf(timely = 1)"),
            ("timely_share", _rate("countIf(timely = 1)", "count(timely)")),
        ], slice, grouping)

    def _aggregate(
        self,
        exprs: Exprs,
        slice: Slice,
        grouping: Grouping,
        *,
        source: str = COMPLAINTS,
        where: str = "1",
        params: dict[str, Any] | None = None,
        extra_keys: Exprs = (),
    ) -> Rows:
        condition, bound = slice.where()
        keys = [*grouping.keys(), *extra_keys]
        values = [(name, expr) for name, expr in exprs if name not in dict(keys)]
        # Positional aliases: ClickHouse aliases are visible in every expression, so naming an
        # output `nps` would shadow the column nps inside the other expressions.
        select = ", ".join(
            [f"{expr} AS k{i}" for i, (_, expr) in enumerate(keys)]
            + [f"{expr} AS v{i}" for i, (_, expr) in enumerate(values)]
        )
        order = ", ".join(f"k{i}" for i in range(len(keys)))
        sql = (
            # A complaint counts once its received event is in, whatever arrived before it.
            f"SELECT {select} FROM {source}"
            f" WHERE received_at IS NOT NULL AND ({condition}) AND ({where})"
            + (f" GROUP BY {order} ORDER BY {order}" if keys else "")
        )
        names = [name for name, _ in keys] + [name for name, _ in values]
        rows = self.store.select(sql, {**bound, **(params or {})})
        return [dict(zip(names, map(plain, row), strict=True)) for row in rows]


def plain(value: Any) -> Any:
    """A value as JSON and CSV carry it: dates in ISO 8601, NaN as None."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value
