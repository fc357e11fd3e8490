"""Use cases that hand a complaint over: transfer (capped), collaboration, SLA escalation.

A complaint nobody has held yet is not handed over, so sending it elsewhere is no transfer:
the agent named, or the one the target queue picks, is its first owner and
`complaint.assigned.v1` (which opens its case) says so; else it waits in the target queue.
Either way its transfer count and cap are left alone.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum

from contracts.dispatch import AssignmentStrategy, AssignmentTrigger
from contracts.sla import EscalationLevel
from services.dispatch.domain import Assignment
from services.dispatch.roster import Queue
from services.dispatch.strategies import Choice, Seat
from services.dispatch.unit import Unit


class NoSuchAssignment(LookupError):
    """Dispatch has not routed this complaint."""


class NotOpen(Exception):
    """The complaint is closed (or not routed yet): there is nothing to hand over."""


class UnknownTarget(ValueError):
    """The queue, department or agent named is not on the roster."""


class AgentUnavailable(Exception):
    """The agent named cannot take the complaint now (off shift, at capacity, other queue)."""


class Outcome(StrEnum):
    TRANSFERRED = "transferred"
    ESCALATED = "escalated"  # past the transfer cap, to the department's supervisor
    ASSIGNED = "assigned"  # it had no owner yet and now has its first: no transfer
    QUEUED = "queued"  # it had no owner yet and waits in the target queue: no transfer


@dataclass(frozen=True)
class Handover:
    """Where the complaint is now, and what the request turned out to be."""

    queue: str
    department: str
    agent_id: str | None
    transfer_count: int
    outcome: Outcome
    reason: str

    @property
    def escalated(self) -> bool:
        return self.outcome == Outcome.ESCALATED


def transfer(
    unit: Unit, *, complaint_id: str, to_queue: str, to_agent_id: str | None, reason: str,
    actor: str,
) -> Handover:
    """Move the complaint to another queue (or agent); past the cap, to the supervisor.
    A complaint nobody has held yet is placed there instead, with no transfer."""
    assignment = _open(unit, complaint_id)
    target = unit.roster.queues.get(to_queue)
    if target is None:
        raise UnknownTarget(f"queue {to_queue!r} is not on the roster")
    if assignment.awaits_first_owner:
        return _place_first(unit, assignment, target, to_agent_id, reason, actor)
    if assignment.transfer_count >= unit.transfer_cap:
        return _escalate_to_supervisor(unit, assignment, to_queue, reason, actor)
    source, destination = unit.desk(assignment.department), unit.desk(target.department)
    # The routing rule's skills were for the old queue; the new queue's agents all qualify.
    ticket = replace(assignment.ticket(), skills=())
    if to_agent_id is not None:
        seat = _free_seat(unit, target.name, to_agent_id, complaint_id)
        choice = Choice(
            to_agent_id, AssignmentStrategy.MANUAL,
            f"Transferred by name to {to_agent_id} ({seat.load} of {seat.capacity} slots in use)",
        )
        source.let_go(complaint_id)
        destination.give(to_agent_id, ticket, target.name, unit.at)
    else:
        source.let_go(complaint_id)
        choice = destination.place(unit.roster, target.name, ticket, unit.at)
    assignment.transfer_to(
        queue=target.name, department=target.department, choice=choice, reason=reason,
        actor=actor,
    )
    if choice.agent_id is None:
        assignment.wait(target.name, target.department, choice.reason, None)
    unit.settle_placements(source, None)
    return Handover(
        target.name, target.department, assignment.owner(), assignment.transfer_count,
        Outcome.TRANSFERRED, choice.reason,
    )


def add_collaborator(
    unit: Unit, *, complaint_id: str, department: str, task: str, actor: str
) -> bool:
    """Ask another department to help with a task; asking the same again changes nothing."""
    assignment = _open(unit, complaint_id)
    if department not in unit.roster.departments:
        raise UnknownTarget(f"department {department!r} is not on the roster")
    return assignment.add_collaborator(department=department, task=task, actor=actor)


def escalate(
    unit: Unit, *, complaint_id: str, level: EscalationLevel, reason: str, cause: str | None
) -> None:
    """An SLA escalation gives the complaint to that level's owner in the roster."""
    assignment = unit.assignment(complaint_id)
    if assignment is None or not assignment.is_open:
        return
    owner = unit.roster.escalation_owner(assignment.department, level)
    if assignment.owner() == owner:
        return
    desk = unit.desk(assignment.department)
    desk.let_go(complaint_id)
    assignment.escalated(level.value, cause)
    assignment.give_to(
        owner, AssignmentStrategy.MANUAL, AssignmentTrigger.SLA_ESCALATION,
        f"SLA escalation to {level.value}: {owner} owns it now ({reason})", cause,
    )
    unit.settle_placements(desk, cause)


def _escalate_to_supervisor(
    unit: Unit, assignment: Assignment, to_queue: str, reason: str, actor: str
) -> Handover:
    supervisor = unit.roster.departments[assignment.department].supervisor
    if assignment.owner() == supervisor:
        return Handover(
            assignment.queue, assignment.department, supervisor, assignment.transfer_count,
            Outcome.ESCALATED, f"{supervisor} already owns it: the transfer cap was reached",
        )
    why = (
        f"Transfer cap of {unit.transfer_cap} reached: {actor} asked to move it to {to_queue} "
        f"({reason}); escalated to the {assignment.department} supervisor {supervisor} instead"
    )
    desk = unit.desk(assignment.department)
    desk.let_go(assignment.complaint_id)
    assignment.give_to(
        supervisor, AssignmentStrategy.MANUAL, AssignmentTrigger.TRANSFER_CAP, why, None
    )
    unit.settle_placements(desk, None)
    return Handover(
        assignment.queue, assignment.department, supervisor, assignment.transfer_count,
        Outcome.ESCALATED, why,
    )


def _place_first(
    unit: Unit, assignment: Assignment, target: Queue, agent_id: str | None, reason: str,
    actor: str,
) -> Handover:
    ticket = assignment.ticket()
    if target.name != assignment.queue:
        ticket = replace(ticket, skills=())  # the routing rule's skills were for its queue
    unit.desk(assignment.department).let_go(assignment.complaint_id)
    destination = unit.desk(target.department)
    if agent_id is None:
        placed = destination.place(unit.roster, target.name, ticket, unit.at)
        choice = replace(placed, reason=f"Sent to {target.name} by {actor} ({reason}); "
                                        f"{placed.reason}")
    else:
        seat = _free_seat(unit, target.name, agent_id, assignment.complaint_id)
        destination.give(agent_id, ticket, target.name, unit.at)
        choice = Choice(agent_id, AssignmentStrategy.MANUAL, (
            f"Assigned by name by {actor} to {agent_id} ({seat.load} of {seat.capacity} slots "
            f"in use): {reason}"
        ))
    if choice.agent_id is None:
        assignment.wait(target.name, target.department, choice.reason, None)
    else:
        assignment.assign_by_hand(choice, queue=target.name, department=target.department)
    return Handover(
        target.name, target.department, choice.agent_id, assignment.transfer_count,
        Outcome.QUEUED if choice.agent_id is None else Outcome.ASSIGNED, choice.reason,
    )


def _free_seat(unit: Unit, queue: str, agent_id: str, complaint_id: str) -> Seat:
    """The named agent's seat, if they serve the queue and can take the complaint now."""
    agent = unit.roster.agents.get(agent_id)
    if agent is None:
        raise UnknownTarget(f"agent {agent_id!r} is not on the roster")
    if queue not in agent.queues:
        raise AgentUnavailable(f"{agent_id} does not serve queue {queue}")
    desk = unit.desk(agent.department)
    seat = desk.seat(agent)
    if desk.holder_of(complaint_id) != agent_id and not seat.free:
        state = "at capacity" if seat.on_shift else "off shift"
        raise AgentUnavailable(f"{agent_id} is {state} ({seat.load} of {seat.capacity})")
    return seat


def _open(unit: Unit, complaint_id: str) -> Assignment:
    assignment = unit.assignment(complaint_id)
    if assignment is None:
        raise NoSuchAssignment(complaint_id)
    if not assignment.is_open:
        raise NotOpen(f"complaint {complaint_id} is {assignment.status}")
    return assignment
