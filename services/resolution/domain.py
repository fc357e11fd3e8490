"""The case in which a complaint is investigated, resolved and closed."""

from __future__ import annotations

import uuid

from eventsourcing.domain import Aggregate, event

from contracts.envelope import NAMESPACE


class Case(Aggregate):
    """The work on one complaint, owned by a queue and, once picked, an agent."""

    # eventsourcing treats every keyword-only argument of an @event method as required,
    # defaults or not, so none are given defaults here.

    @staticmethod
    def create_id(complaint_id: str) -> uuid.UUID:
        return uuid.uuid5(NAMESPACE, f"case/{complaint_id}")

    @event("Opened")
    def __init__(
        self,
        *,
        complaint_id: str,
        tenant: str,
        owner_queue: str | None,
        owner_agent_id: str | None,
        cause: str | None,
    ) -> None:
        self.complaint_id = complaint_id
        self.tenant = tenant
        self.owner_queue = owner_queue
        self.owner_agent_id = owner_agent_id
        self.status = "open"
