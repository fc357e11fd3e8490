"""The retention job: erase each customer whose complaints have all been closed for longer than
their tenant's period (retention.yaml), through the same erasure use case as a request, with
reason `retention_expired` and the policy's version and rule on record.

Run by intake every RETENTION_INTERVAL_S on the one replica that holds its lease, or once from
the command line:

    python -m services.intake.tools.retention --dry-run   # who would be shredded; changes nothing
    python -m services.intake.tools.retention --yes       # shreds them
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from prometheus_client import Counter

from runtime.background import in_thread
from runtime.lease import Lease
from services.intake.application import IntakeApplication
from services.intake.closures import CustomerCases, every_customer
from services.intake.domain import ErasureReason, PersonalData
from services.intake.retention_policy import RetentionPolicy

log = logging.getLogger(__name__)

SHREDDED = Counter("retention_erasures", "Customers erased by the retention policy", ["tenant"])


@dataclass(frozen=True)
class Expired:
    """A customer due to be shredded: since when, under which policy version and rule."""

    tenant: str
    customer_id: str
    last_closed_at: datetime
    due_at: datetime
    policy_version: str
    rule: str


def expired(app: IntakeApplication, policy: RetentionPolicy, now: datetime) -> Iterator[Expired]:
    """Customers whose every complaint is closed and whose period ended by `now`, not erased."""
    for cases in every_customer(app):
        if not cases.all_closed or cases.last_closed_at is None or _erased(app, cases):
            continue
        shredding = policy.shredding_due(cases.tenant, cases.last_closed_at)
        if shredding.due_at <= now:
            yield Expired(cases.tenant, cases.customer_id, cases.last_closed_at,
                          shredding.due_at, shredding.policy_version, shredding.rule)


def _erased(app: IntakeApplication, cases: CustomerCases) -> bool:
    # The key in use is erased already (a customer who came back has a new key, not erased).
    record_id = PersonalData.create_id(cases.tenant, cases.customer_id)
    return record_id in app.repository and app.repository.get(record_id).is_erased(
        app.vault.key_id(cases.tenant, cases.customer_id)
    )


def shred_expired(
    app: IntakeApplication, policy: RetentionPolicy, now: datetime, *, dry_run: bool = False
) -> list[Expired]:
    """Erase every expired customer (nothing with dry_run); the customers, either way."""
    due = list(expired(app, policy, now))
    if dry_run:
        return due
    for customer in due:
        app.erase_customer(
            tenant=customer.tenant, customer_id=customer.customer_id,
            reason=ErasureReason.RETENTION_EXPIRED, policy_version=customer.policy_version,
            retention_rule=customer.rule,
        )
        SHREDDED.labels(customer.tenant).inc()
        log.info("customer erased: retention expired", extra={
            "tenant": customer.tenant, "policy_version": customer.policy_version,
            "retention_rule": customer.rule,
        })
    return due


@dataclass
class RetentionJob:
    """Shreds expired customers every `interval_s`, on the replica holding the lease only."""

    app: IntakeApplication
    policy: Callable[[], RetentionPolicy]  # the file as last (re)loaded
    lease: Lease
    interval_s: float
    clock: Callable[[], datetime]
    on_saved: Callable[[], None] = lambda: None
    # Deletes processed raw submissions (inbound_purge), as a requested erasure does.
    on_erased: Callable[[], Awaitable[Any]] | None = None

    def run_once(self) -> list[Expired]:
        """One pass, if this replica leads (blocking: call it off the event loop)."""
        if not self.lease.held():
            return []
        shredded = shred_expired(self.app, self.policy(), self.clock())
        if shredded:
            self.on_saved()
        return shredded

    async def run(self) -> None:
        """Pass after pass until cancelled; a failed pass is retried at the next one."""
        try:
            while True:
                try:
                    if await in_thread(self.run_once) and self.on_erased is not None:
                        await self.on_erased()
                except Exception:
                    log.exception("retention pass failed; retried in %ss", self.interval_s)
                await asyncio.sleep(self.interval_s)
        finally:
            self.lease.release()
