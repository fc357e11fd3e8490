"""How a queue picks an agent: skill match then least loaded, or round robin."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from contracts.dispatch import AssignmentStrategy
from services.dispatch.roster import Agent


@dataclass(frozen=True)
class Ticket:
    """A complaint as a queue sees it: how urgent, what it needs, when it arrived."""

    complaint_id: str
    priority: int
    skills: tuple[str, ...] = ()
    language: str | None = None
    arrived_at: str = ""
    seq: int = 0

    def as_dict(self) -> dict:
        return {
            "complaint_id": self.complaint_id, "priority": self.priority,
            "skills": list(self.skills), "language": self.language,
            "arrived_at": self.arrived_at, "seq": self.seq,
        }

    @classmethod
    def from_dict(cls, data: dict) -> Ticket:
        fields = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**{**fields, "skills": tuple(fields["skills"])})


@dataclass(frozen=True)
class Seat:
    """An agent with their current load, capacity and shift."""

    agent: Agent
    load: int
    capacity: int
    on_shift: bool

    @property
    def free(self) -> bool:
        return self.on_shift and self.load < self.capacity


@dataclass(frozen=True)
class Choice:
    """The agent picked (None: nobody can take it now) and why."""

    agent_id: str | None
    strategy: AssignmentStrategy
    reason: str


def skill_based(seats: Sequence[Seat], ticket: Ticket, cursor: str | None) -> Choice:
    """Among agents with the skills and language, the least loaded (roster order breaks ties)."""
    qualified, relaxed = _qualified(seats, ticket)
    free = [seat for seat in qualified if seat.free]
    strategy = AssignmentStrategy.SKILL_BASED
    fit = f"agents with {_needs(ticket)}" if not relaxed else f"agents ({relaxed})"
    if not free:
        return Choice(None, strategy, f"All {len(qualified)} {fit} are at capacity or off shift")
    best = min(free, key=lambda seat: (seat.load, seat.load / seat.capacity))
    has = f"has {_needs(ticket)}" if not relaxed else f"is least loaded ({relaxed})"
    return Choice(
        best.agent.id, strategy,
        f"{best.agent.id} {has} and {best.load} of {best.capacity} slots in use",
    )


def round_robin(seats: Sequence[Seat], ticket: Ticket, cursor: str | None) -> Choice:
    """The next agent after the last one picked, skipping those off shift or at capacity."""
    strategy = AssignmentStrategy.ROUND_ROBIN
    ids = [seat.agent.id for seat in seats]
    start = ids.index(cursor) + 1 if cursor in ids else 0
    for seat in [*seats[start:], *seats[:start]]:
        if seat.free:
            return Choice(
                seat.agent.id, strategy,
                f"Round robin: {seat.agent.id} is next, {seat.load} of {seat.capacity} slots "
                "in use",
            )
    return Choice(None, strategy, f"All {len(seats)} agents are at capacity or off shift")


STRATEGIES: dict[AssignmentStrategy, Callable[[Sequence[Seat], Ticket, str | None], Choice]] = {
    AssignmentStrategy.SKILL_BASED: skill_based,
    AssignmentStrategy.ROUND_ROBIN: round_robin,
}


def _qualified(seats: Sequence[Seat], ticket: Ticket) -> tuple[list[Seat], str]:
    """Agents fit for the ticket; when nobody on the roster is, a stated relaxation."""
    skilled = [s for s in seats if s.agent.has_skills(ticket.skills)]
    both = [s for s in skilled if s.agent.speaks(ticket.language)]
    if both:
        return both, ""
    if skilled:
        return skilled, f"nobody in the queue speaks {ticket.language}"
    return list(seats), f"nobody in the queue has {_needs(ticket)}"


def _needs(ticket: Ticket) -> str:
    parts = []
    if ticket.skills:
        parts.append(f"skill {', '.join(ticket.skills)}")
    if ticket.language:
        parts.append(f"language {ticket.language}")
    return ", ".join(parts) or "no particular skill"
