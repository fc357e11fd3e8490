"""Resolution's use cases: open a complaint's case once, look it up."""

from __future__ import annotations

from runtime.eventstore import Cause, ServiceApplication
from services.resolution.domain import Case


class ResolutionApplication(ServiceApplication):
    """Works complaints from an open case to a closed one."""

    def open_case(
        self,
        *,
        complaint_id: str,
        tenant: str,
        owner_queue: str | None,
        owner_agent_id: str | None,
        cause: Cause | None = None,
    ) -> None:
        """Open the case of a complaint; a complaint has one case, so an open one is kept."""
        if Case.create_id(complaint_id) in self.repository:
            return
        case = Case(
            complaint_id=complaint_id, tenant=tenant, owner_queue=owner_queue,
            owner_agent_id=owner_agent_id, cause=str(cause.event_id) if cause else None,
        )
        self.save(case, cause=cause)

    def get_case(self, complaint_id: str) -> Case:
        """The case of a complaint (AggregateNotFoundError if none was opened)."""
        return self.repository.get(Case.create_id(complaint_id))
