"""Use cases that free or add capacity: a close, a reopening, an agent's shift or capacity."""

from __future__ import annotations

from contracts.dispatch import AssignmentStrategy, AssignmentTrigger
from services.dispatch.domain import Status
from services.dispatch.strategies import Choice
from services.dispatch.unit import Unit


class UnknownAgent(LookupError):
    """The agent is not on the roster."""


def close(unit: Unit, *, complaint_id: str, cause: str | None) -> None:
    """A closed complaint frees its owner's slot, which the next waiting complaint takes."""
    assignment = unit.assignment(complaint_id)
    if assignment is None or not assignment.is_open:
        return
    desk = unit.desk(assignment.department)
    desk.let_go(complaint_id)
    assignment.closed(cause)
    unit.settle_placements(desk, cause)


def reopen(
    unit: Unit, *, complaint_id: str, previous_owner: str | None, cause: str | None
) -> None:
    """Back to the previous owner when they can take it now, else through its queue."""
    assignment = unit.assignment(complaint_id)
    if assignment is None or assignment.status != Status.CLOSED:
        return
    owner = previous_owner or assignment.last_owner
    assignment.reopened(cause)
    desk = unit.desk(assignment.department)
    ticket = assignment.ticket()
    agent = unit.roster.agents.get(owner) if owner else None
    trigger = AssignmentTrigger.REOPENED
    if agent is not None and agent.department == assignment.department:
        seat = desk.seat(agent)
        if seat.free:
            desk.give(agent.id, ticket, assignment.queue, unit.at)
            assignment.settle(Choice(
                agent.id, AssignmentStrategy.STICKY,
                f"Reopened: back to its previous owner {agent.id} ({seat.load} of "
                f"{seat.capacity} slots in use)",
            ), trigger, cause)
            return
        why = f"previous owner {agent.id} is {'at capacity' if seat.on_shift else 'off shift'}"
    elif owner is not None and owner in unit.roster.escalation_owners():
        assignment.settle(Choice(
            owner, AssignmentStrategy.STICKY, f"Reopened: back to its previous owner {owner}",
        ), trigger, cause)
        return
    else:
        why = "its previous owner is not on the roster" if owner else "it had no owner"
    choice = desk.place(unit.roster, assignment.queue, ticket, unit.at)
    assignment.settle(Choice(
        choice.agent_id, choice.strategy, f"Reopened, {why}; {choice.reason}"
    ), trigger, cause)


def update_agent(
    unit: Unit, *, agent_id: str, on_shift: bool | None, capacity: int | None
) -> bool:
    """Change an agent's shift or capacity; waiting complaints go to whoever can now take them."""
    agent = unit.roster.agents.get(agent_id)
    if agent is None:
        raise UnknownAgent(agent_id)
    desk = unit.desk(agent.department)
    changed = False
    if on_shift is not None:
        changed |= desk.set_shift(agent, on_shift)
    if capacity is not None:
        changed |= desk.set_capacity(agent, capacity)
    unit.settle_placements(desk, None)
    return changed
