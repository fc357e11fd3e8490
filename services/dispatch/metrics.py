"""Dispatch's Prometheus metrics, observed once a use case's changes are stored.

Every series carries the complaint's `tenant`. Its values are bounded by configuration: a unit
of work runs only for a tenant dispatch has files for (any other is dead-lettered before), so
a sender cannot mint label values by naming tenants.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from prometheus_client import Counter, Gauge, Histogram

from contracts.dispatch import AssignmentTrigger
from services.dispatch.desk import Desk
from services.dispatch.domain import Assignment
from services.dispatch.rule_history import RuleSetHistory

ASSIGNMENTS = Counter(
    "dispatch_assignments_total", "Complaints given to an agent, by rule, queue and trigger",
    ["tenant", "rule_id", "queue", "trigger"],
)
QUEUED = Counter(
    "dispatch_queued_total", "Complaints that had to wait for an agent",
    ["tenant", "rule_id", "queue"],
)
QUEUE_DEPTH = Gauge("dispatch_queue_depth", "Complaints waiting in a queue", ["tenant", "queue"])
TIME_TO_ASSIGNMENT = Histogram(
    "dispatch_time_to_assignment_seconds",
    "From arrival at dispatch to the first agent assignment", ["tenant", "queue"],
    buckets=(0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600, 4 * 3600, 24 * 3600),
)
TRANSFERS = Counter(
    "dispatch_transfers_total", "Transfers, and transfers turned into supervisor escalations",
    ["tenant", "from_department", "to_department", "outcome"],
)
RULE_RELOADS = Counter(
    "dispatch_rule_reloads_total", "Changed routing rule files that came into force", ["tenant"]
)
CONFLICTS = Counter(
    "dispatch_save_conflicts_total", "Saves retried because another replica saved first",
    ["tenant"],
)


def observe(
    events: Iterable[tuple[Any, Any]], desks: Iterable[Desk], now: datetime, *, tenant: str
) -> None:
    """Count what a stored use case of `tenant` did; `events` pairs each new event with its
    aggregate."""
    for aggregate, stored in events:
        if isinstance(stored, Assignment.AgentAssigned):
            _assigned(tenant, aggregate, stored, now)
        elif isinstance(stored, Assignment.Queued):
            QUEUED.labels(tenant, aggregate.rule_id or "none", stored.queue).inc()
        elif isinstance(stored, Assignment.Transferred):
            TRANSFERS.labels(
                tenant, stored.from_department, stored.to_department, "transferred").inc()
        elif isinstance(stored, RuleSetHistory.Reloaded):
            RULE_RELOADS.labels(tenant).inc()
    for desk in desks:
        for queue, tickets in desk.waiting.items():
            QUEUE_DEPTH.labels(tenant, queue).set(len(tickets))


def _assigned(tenant: str, assignment: Assignment, stored: Any, now: datetime) -> None:
    ASSIGNMENTS.labels(tenant, assignment.rule_id or "none", stored.queue, stored.trigger).inc()
    if stored.trigger == AssignmentTrigger.TRANSFER_CAP:
        TRANSFERS.labels(
            tenant, stored.department, stored.department, "escalated_to_supervisor").inc()
    if assignment.times_assigned == 1 and assignment.arrived_at:
        waited = now - datetime.fromisoformat(assignment.arrived_at)
        TIME_TO_ASSIGNMENT.labels(tenant, stored.queue).observe(
            max(waited.total_seconds(), 0.0))
