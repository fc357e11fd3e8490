"""One use case's working set: the aggregates it loaded or made, saved together at the end."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.domain import Aggregate

from contracts.dispatch import AssignmentTrigger
from services.dispatch.desk import Desk
from services.dispatch.domain import Assignment
from services.dispatch.roster import Roster
from services.dispatch.ruleset import RuleSet


@dataclass
class Unit:
    """Loads each aggregate once per attempt, so every change lands on the same object."""

    repository: Any
    roster: Roster
    rules: RuleSet | None
    now: datetime
    transfer_cap: int
    desk_tenant: str | None = None  # whose desks (None: the deployment's own, older ids)
    loaded: dict[Any, Aggregate] = field(default_factory=dict)

    @property
    def at(self) -> str:
        """Now, as stored in the desk's events."""
        return self.now.isoformat()

    def assignment(self, complaint_id: str) -> Assignment | None:
        """The complaint's assignment, or None when dispatch has not heard of it."""
        return self.get(Assignment.create_id(complaint_id))

    def desk(self, department: str) -> Desk:
        """The department's desk, opened on first use."""
        desk = self.get(Desk.create_id(department, self.desk_tenant))
        if desk is None:
            desk = self.add(Desk(department, self.desk_tenant))
        return desk

    def add(self, aggregate: Aggregate) -> Any:
        """Take a new aggregate into the working set."""
        self.loaded[aggregate.id] = aggregate
        return aggregate

    def changed(self) -> list[Aggregate]:
        """Aggregates with events to save."""
        return [aggregate for aggregate in self.loaded.values() if aggregate.pending_events]

    def settle_placements(self, desk: Desk, cause: str | None) -> None:
        """Give the desk's waiting complaints to the agents who can now take them."""
        for placement in desk.drain(self.roster, self.at):
            waiting = self.assignment(placement.complaint_id)
            if waiting is not None:
                waiting.settle(placement.choice, AssignmentTrigger.CAPACITY_FREED, cause)

    def get(self, aggregate_id: Any) -> Any:
        """Any aggregate by id, or None."""
        if aggregate_id not in self.loaded:
            try:
                self.loaded[aggregate_id] = self.repository.get(aggregate_id)
            except AggregateNotFoundError:
                return None
        return self.loaded[aggregate_id]
