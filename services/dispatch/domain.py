"""Who owns a complaint, and the route that decided it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from eventsourcing.domain import Aggregate, event

from contracts.dispatch import AssignmentStrategy
from contracts.envelope import NAMESPACE


@dataclass(frozen=True)
class Route:
    """Where a routing rule sends a complaint, and how the queue then picks an agent."""

    rule_id: str
    rule_set_version: str
    queue: str
    department: str
    strategy: AssignmentStrategy
    reason: str


# Until a routing rule file is loaded, everything lands in one queue that agents pick from.
DEFAULT_ROUTE = Route(
    rule_id="default",
    rule_set_version="0",
    queue="general",
    department="customer_service",
    strategy=AssignmentStrategy.MANUAL,
    reason="Default route: no routing rule applies, so the general queue takes it",
)


class Assignment(Aggregate):
    """The owner of one complaint: its queue, department and agent."""

    # eventsourcing treats every keyword-only argument of an @event method as required,
    # defaults or not, so none are given defaults here.

    @staticmethod
    def create_id(complaint_id: str) -> uuid.UUID:
        return uuid.uuid5(NAMESPACE, f"assignment/{complaint_id}")

    @event("Assigned")
    def __init__(
        self,
        *,
        complaint_id: str,
        tenant: str,
        queue: str,
        department: str,
        rule_id: str,
        rule_set_version: str,
        strategy: str,
        reason: str,
        agent_id: str | None,
        cause: str | None,
    ) -> None:
        self.complaint_id = complaint_id
        self.tenant = tenant
        self.queue = queue
        self.department = department
        self.rule_id = rule_id
        self.rule_set_version = rule_set_version
        self.strategy = strategy
        self.reason = reason
        self.agent_id = agent_id

    @classmethod
    def by_route(
        cls, *, complaint_id: str, tenant: str, route: Route, cause: str | None = None
    ) -> Assignment:
        """Assign a complaint to the queue a route names; the queue picks the agent later."""
        return cls(
            complaint_id=complaint_id,
            tenant=tenant,
            queue=route.queue,
            department=route.department,
            rule_id=route.rule_id,
            rule_set_version=route.rule_set_version,
            strategy=route.strategy.value,
            reason=route.reason,
            agent_id=None,
            cause=cause,
        )
