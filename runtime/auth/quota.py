"""Per-customer filing quota: at most N complaints per customer per (UTC) day, across replicas.

The count is one row per (tenant, customer, day), raised by a single conditional upsert, so
replicas filing for the same customer at once cannot both take the last slot. Call `consume`
only for a new filing (after the idempotency check), so a retried submission is not counted.
The first filing of each day drops the rows of the days before it, which decide nothing any more,
so the table holds one day's customers and needs no scheduled job.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta

from fastapi import HTTPException, status

from runtime.auth.db import Database
from runtime.auth.metrics import RATE_LIMITED

_DDL = """CREATE TABLE IF NOT EXISTS filing_quota (
    tenant TEXT NOT NULL,
    customer_id TEXT NOT NULL,
    day TEXT NOT NULL,
    filed INTEGER NOT NULL,
    PRIMARY KEY (tenant, customer_id, day)
)"""
_TAKE = """INSERT INTO filing_quota (tenant, customer_id, day, filed) VALUES (?, ?, ?, 1)
ON CONFLICT (tenant, customer_id, day) DO UPDATE SET filed = filing_quota.filed + 1
WHERE filing_quota.filed < ?"""


class QuotaExceeded(HTTPException):
    """429: this customer has filed their daily number of complaints."""

    def __init__(self, limit: int, retry_after_s: int) -> None:
        super().__init__(
            status.HTTP_429_TOO_MANY_REQUESTS,
            f"filing quota exceeded: at most {limit} complaints per customer per day",
            headers={"Retry-After": str(retry_after_s)},
        )


class FilingQuota:
    """Counts filings per customer and day in the service's database."""

    def __init__(self, db: Database, *, per_day: int,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        if per_day < 1:
            raise ValueError("a quota allows at least one filing a day")
        self.db, self.per_day, self._clock = db, per_day, clock
        self._forgotten_before: date | None = None
        if not db.has_table("filing_quota"):
            db.define([_DDL])

    def consume(self, *, tenant: str, customer_id: str) -> int:
        """Count one filing and return how many remain today; QuotaExceeded when none did."""
        now = self._clock().astimezone(UTC)
        day = now.date()
        if self._forgotten_before != day:
            self.forget_before(day)
            self._forgotten_before = day
        _, changed = self.db.run(_TAKE, (tenant, customer_id, day.isoformat(), self.per_day))
        if changed == 0:
            RATE_LIMITED.labels(kind="filing_quota").inc()
            raise QuotaExceeded(self.per_day, _seconds_until_tomorrow(now, day))
        rows, _ = self.db.run(
            "SELECT filed FROM filing_quota WHERE tenant = ? AND customer_id = ? AND day = ?",
            (tenant, customer_id, day.isoformat()))
        return self.per_day - rows[0][0]

    def forget_before(self, day: date) -> int:
        """Drop the counts of days before day (they decide nothing any more)."""
        _, deleted = self.db.run("DELETE FROM filing_quota WHERE day < ?", (day.isoformat(),))
        return deleted


def _seconds_until_tomorrow(now: datetime, day: date) -> int:
    midnight = datetime.combine(day + timedelta(days=1), time(), tzinfo=UTC)
    return max(1, int((midnight - now).total_seconds()))
