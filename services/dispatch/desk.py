"""A department's desk: who is on shift with what capacity, who holds what, who waits where.

One aggregate per department holds both the agents' loads and the waiting lists, so a
complaint that queues and a close that frees a slot can never miss each other: both change
the same aggregate, and a concurrent save fails on its version and is retried.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from eventsourcing.domain import Aggregate, event

from contracts.envelope import NAMESPACE
from services.dispatch.roster import Agent, Roster
from services.dispatch.strategies import STRATEGIES, Choice, Seat, Ticket


@dataclass(frozen=True)
class Placement:
    """A waiting complaint that an agent took."""

    complaint_id: str
    queue: str
    choice: Choice


class Desk(Aggregate):
    """Loads, shifts, capacities and waiting lists of one department."""

    @staticmethod
    def create_id(department: str, tenant: str | None = None) -> uuid.UUID:
        """One desk per tenant and department; `tenant` None is the deployment's own tenant,
        whose desks were named before dispatch knew tenants (kept so its store finds them)."""
        return uuid.uuid5(NAMESPACE, f"desk/{department}" if tenant is None
                          else f"desk/{tenant}/{department}")

    @event("Opened")
    def __init__(self, department: str, tenant: str | None = None) -> None:
        # Desks opened before dispatch knew tenants have no tenant in their Opened event: the
        # default reads them as the deployment's own tenant's (None), which they are.
        self.department = department
        self.tenant = tenant
        self.holding: dict[str, dict[str, dict[str, Any]]] = {}  # agent -> complaint -> info
        self.waiting: dict[str, list[dict[str, Any]]] = {}  # queue -> tickets, in order
        self.shifts: dict[str, bool] = {}  # overrides of the roster
        self.capacities: dict[str, int] = {}
        self.cursors: dict[str, str] = {}  # queue -> agent picked last (round robin)
        self.arrivals = 0

    # --- what it knows -------------------------------------------------------------------

    def seat(self, agent: Agent) -> Seat:
        """The agent's current load, capacity and shift."""
        return Seat(
            agent=agent,
            load=len(self.holding.get(agent.id, {})),
            capacity=self.capacities.get(agent.id, agent.capacity),
            on_shift=self.shifts.get(agent.id, agent.on_shift),
        )

    def holder_of(self, complaint_id: str) -> str | None:
        """The agent holding the complaint, if any agent of this desk does."""
        for agent_id, held in self.holding.items():
            if complaint_id in held:
                return agent_id
        return None

    def queue_of(self, complaint_id: str) -> str | None:
        """The queue the complaint waits in, if it waits here."""
        for queue, tickets in self.waiting.items():
            if any(t["complaint_id"] == complaint_id for t in tickets):
                return queue
        return None

    def choose(self, roster: Roster, queue: str, ticket: Ticket) -> Choice:
        """Who the queue's strategy would give the ticket to now."""
        seats = [self.seat(agent) for agent in roster.agents_of(queue)]
        strategy = STRATEGIES[roster.queues[queue].strategy]
        return strategy(seats, ticket, self.cursors.get(queue))

    # --- decisions -----------------------------------------------------------------------

    def place(self, roster: Roster, queue: str, ticket: Ticket, at: str) -> Choice:
        """Give the ticket to an agent if one can take it, else put it in the waiting list."""
        choice = self.choose(roster, queue, ticket)
        if choice.agent_id is None:
            self.enqueue(queue, {**ticket.as_dict(), "queued_at": at})
        else:
            self.take(choice.agent_id, ticket.complaint_id, queue, at, ticket.arrived_at)
        return choice

    def give(self, agent_id: str, ticket: Ticket, queue: str, at: str) -> None:
        """An agent takes the ticket by name (reopened to its owner, transfer to a person)."""
        self.take(agent_id, ticket.complaint_id, queue, at, ticket.arrived_at)

    def drain(self, roster: Roster, at: str) -> list[Placement]:
        """Give waiting complaints to agents who can take them: P1 first, then by arrival."""
        placed: list[Placement] = []
        if not any(self.seat(agent).free for agent in roster.department_agents(self.department)):
            return placed
        waiting = [(queue, t) for queue, tickets in self.waiting.items() for t in tickets]
        for queue, raw in sorted(waiting, key=lambda qt: (qt[1]["priority"], qt[1]["seq"])):
            if queue not in roster.queues:
                continue  # the queue left the roster; its tickets wait for a transfer
            ticket = Ticket.from_dict(raw)
            choice = self.choose(roster, queue, ticket)
            if choice.agent_id is not None:
                self.dequeue(queue, ticket.complaint_id)
                self.take(choice.agent_id, ticket.complaint_id, queue, at, ticket.arrived_at)
                placed.append(Placement(ticket.complaint_id, queue, choice))
        return placed

    def let_go(self, complaint_id: str) -> str | None:
        """The complaint leaves this desk (closed, transferred, escalated); who held it."""
        agent_id = self.holder_of(complaint_id)
        if agent_id is not None:
            self.release(agent_id, complaint_id)
        queue = self.queue_of(complaint_id)
        if queue is not None:
            self.dequeue(queue, complaint_id)
        return agent_id

    def set_shift(self, agent: Agent, on_shift: bool) -> bool:
        """Record the agent's shift; False when it already was so."""
        if self.seat(agent).on_shift == on_shift:
            return False
        self.shift_changed(agent.id, on_shift)
        return True

    def set_capacity(self, agent: Agent, capacity: int) -> bool:
        """Record the agent's capacity; False when it already was so."""
        if self.seat(agent).capacity == capacity:
            return False
        self.capacity_changed(agent.id, capacity)
        return True

    # --- events --------------------------------------------------------------------------

    @event("Took")
    def take(self, agent_id: str, complaint_id: str, queue: str, at: str, arrived_at: str) -> None:
        self.holding.setdefault(agent_id, {})[complaint_id] = {
            "queue": queue, "since": at, "arrived_at": arrived_at,
        }
        self.cursors[queue] = agent_id

    @event("Released")
    def release(self, agent_id: str, complaint_id: str) -> None:
        self.holding.get(agent_id, {}).pop(complaint_id, None)

    @event("Enqueued")
    def enqueue(self, queue: str, ticket: dict[str, Any]) -> None:
        self.arrivals += 1
        self.waiting.setdefault(queue, []).append({**ticket, "seq": self.arrivals})

    @event("Dequeued")
    def dequeue(self, queue: str, complaint_id: str) -> None:
        self.waiting[queue] = [
            t for t in self.waiting.get(queue, []) if t["complaint_id"] != complaint_id
        ]

    @event("ShiftChanged")
    def shift_changed(self, agent_id: str, on_shift: bool) -> None:
        self.shifts[agent_id] = on_shift

    @event("CapacityChanged")
    def capacity_changed(self, agent_id: str, capacity: int) -> None:
        self.capacities[agent_id] = capacity
