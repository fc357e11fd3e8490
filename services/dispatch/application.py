"""Dispatch's use cases: assign a complaint once, look its assignment up."""

from __future__ import annotations

from runtime.eventstore import Cause, ServiceApplication
from services.dispatch.domain import DEFAULT_ROUTE, Assignment, Route


class DispatchApplication(ServiceApplication):
    """Gives complaints to queues and agents."""

    def assign(
        self, *, complaint_id: str, tenant: str, route: Route = DEFAULT_ROUTE,
        cause: Cause | None = None,
    ) -> None:
        """Assign a complaint along a route; a complaint that already has an owner keeps it."""
        if Assignment.create_id(complaint_id) in self.repository:
            return
        assignment = Assignment.by_route(
            complaint_id=complaint_id, tenant=tenant, route=route,
            cause=str(cause.event_id) if cause else None,
        )
        self.save(assignment, cause=cause)

    def get_assignment(self, complaint_id: str) -> Assignment:
        """The current assignment of a complaint (AggregateNotFoundError if it has none)."""
        return self.repository.get(Assignment.create_id(complaint_id))
