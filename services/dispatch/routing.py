"""The use case of a new complaint: route it by the rules in force once it is classified."""

from __future__ import annotations

from dataclasses import replace

from contracts.dispatch import AssignmentTrigger
from services.dispatch.domain import Assignment
from services.dispatch.ruleset import Facts
from services.dispatch.unit import Unit


def route_classified(
    unit: Unit, *, complaint_id: str, tenant: str, facts: Facts, arrived_at: str,
    historical: bool, cause: str | None,
) -> Assignment | None:
    """Route a classified complaint by the rules in force; a complaint is routed only once."""
    if unit.assignment(complaint_id) is not None:
        return None
    assignment = unit.add(Assignment(complaint_id, tenant, arrived_at, historical, cause))
    assert unit.rules is not None
    decision = unit.rules.route(facts)
    queue = unit.roster.queues[decision.queue]
    assignment.route(
        facts=facts, rules=unit.rules, decision=decision, department=queue.department,
        cause=cause,
    )
    if assignment.historical:
        assignment.file_history(cause)
        return assignment
    choice = unit.desk(queue.department).place(
        unit.roster, queue.name, assignment.ticket(), unit.at
    )
    assignment.settle(
        replace(choice, reason=f"{decision.reason}; {choice.reason}"), AssignmentTrigger.ROUTED,
        cause,
    )
    return assignment
