"""Who owns a complaint, which rule sent it there, and every hand-over since."""

from __future__ import annotations

import uuid
from enum import StrEnum
from typing import Any

from eventsourcing.domain import event

from contracts.dispatch import AssignmentStrategy, AssignmentTrigger
from contracts.envelope import NAMESPACE
from runtime.attribution import Attributed
from services.dispatch.ruleset import Decision, Facts, RuleSet
from services.dispatch.strategies import Choice, Ticket

PRIORITY = {"P1": 1, "P2": 2, "P3": 3}


class Status(StrEnum):
    QUEUED = "queued"
    ASSIGNED = "assigned"
    CLOSED = "closed"


class Assignment(Attributed):
    """The owner of one complaint: its queue, department and agent, and how it got there."""

    # eventsourcing treats every argument of an @event method as required, defaults or not,
    # so none are given defaults here.

    @staticmethod
    def create_id(complaint_id: str) -> uuid.UUID:
        return uuid.uuid5(NAMESPACE, f"assignment/{complaint_id}")

    @event("Opened")
    def __init__(
        self, complaint_id: str, tenant: str, arrived_at: str, historical: bool,
        cause: str | None,
    ) -> None:
        self.complaint_id = complaint_id
        self.tenant = tenant
        self.arrived_at = arrived_at
        self.historical = historical
        self.facts: dict[str, Any] = {}
        self.status = Status.QUEUED
        self.queue: str | None = None
        self.department: str | None = None
        self.agent_id: str | None = None
        self.strategy: str | None = None
        self.rule_id: str | None = None
        self.rule_set_version: str | None = None
        self.rule_set_hash: str | None = None
        self.skills: list[str] = []
        self.priority = PRIORITY["P3"]
        self.transfer_count = 0
        self.collaborators: list[dict[str, str]] = []
        self.last_owner: str | None = None
        self.escalation_level: str | None = None
        self.times_assigned = 0

    # --- what it knows -------------------------------------------------------------------

    @property
    def is_open(self) -> bool:
        return self.status in (Status.QUEUED, Status.ASSIGNED)

    def ticket(self) -> Ticket:
        """The complaint as its queue sees it."""
        return Ticket(
            complaint_id=self.complaint_id, priority=self.priority, skills=tuple(self.skills),
            language=self.facts.get("language"), arrived_at=self.arrived_at,
        )

    def owner(self) -> str | None:
        """The agent (or escalation owner) holding it, or None while it waits."""
        return self.agent_id if self.status == Status.ASSIGNED else None

    @property
    def awaits_first_owner(self) -> bool:
        """Waiting, and no agent has held it yet: whoever takes it first gets its case opened."""
        return self.status == Status.QUEUED and self.times_assigned == 0

    # --- decisions -----------------------------------------------------------------------

    def route(
        self, *, facts: Facts, rules: RuleSet, decision: Decision, department: str,
        cause: str | None,
    ) -> None:
        """Record the facts routed on and the rule that chose the queue (replayable)."""
        self.routed(
            facts.as_dict(), decision.rule_id, rules.version, rules.content_hash, decision.queue,
            department, list(decision.skills), PRIORITY.get(facts.severity or "P3", 3),
            decision.reason, cause,
        )

    def file_history(self, cause: str | None) -> None:
        """Imported history is routed for the record; no agent's capacity goes to it."""
        self.give_to(None, AssignmentStrategy.MANUAL, AssignmentTrigger.ROUTED,
                     "Imported history: routed for the record, no agent takes it", cause)

    def settle(self, choice: Choice, trigger: AssignmentTrigger, cause: str | None) -> None:
        """The queue's choice: an agent took it, or it waits."""
        if choice.agent_id is None:
            self.wait(self.queue, self.department, choice.reason, cause)
        else:
            self.give_to(choice.agent_id, choice.strategy, trigger, choice.reason, cause)

    def give_to(
        self, agent_id: str | None, strategy: AssignmentStrategy, trigger: AssignmentTrigger,
        reason: str, cause: str | None,
    ) -> None:
        """Record the owner, with the rule that routed the complaint."""
        self.assigned(
            self.complaint_id, agent_id, self.queue, self.department, strategy.value,
            trigger.value, reason, self.rule_id, self.rule_set_version, self.rule_set_hash,
            cause,
        )

    def assign_by_hand(self, choice: Choice, *, queue: str, department: str) -> None:
        """A person sent the waiting complaint to this agent (named, or the queue's pick)."""
        self.assigned(
            self.complaint_id, choice.agent_id, queue, department, choice.strategy.value,
            AssignmentTrigger.MANUAL.value, choice.reason, self.rule_id, self.rule_set_version,
            self.rule_set_hash, None,
        )

    def wait(self, queue: str, department: str, reason: str, cause: str | None) -> None:
        """Record that the complaint waits in `queue` for an agent."""
        self.queued(
            self.complaint_id, queue, department, reason, self.rule_id, self.rule_set_version,
            self.rule_set_hash, cause,
        )

    # --- events --------------------------------------------------------------------------

    @event("Routed")
    def routed(
        self, facts: dict[str, Any], rule_id: str, rule_set_version: str, rule_set_hash: str,
        queue: str, department: str, skills: list[str], priority: int, reason: str,
        cause: str | None,
    ) -> None:
        self.facts = facts
        self.rule_id = rule_id
        self.rule_set_version = rule_set_version
        self.rule_set_hash = rule_set_hash
        self.queue = queue
        self.department = department
        self.skills = skills
        self.priority = priority

    def transfer_to(
        self, *, queue: str, department: str, choice: Choice, reason: str, actor: str,
    ) -> None:
        """Record a transfer from where the complaint is now."""
        self.transferred(
            self.complaint_id, queue, department, choice.agent_id, self.queue, self.department,
            self.owner(), choice.strategy.value, reason, actor, self.transfer_count + 1, None,
        )

    def add_collaborator(self, *, department: str, task: str, actor: str) -> bool:
        """Ask a department to help with a task; False when it was asked that already."""
        if any(c["department"] == department and c["task"] == task for c in self.collaborators):
            return False
        self.collaborator_added(self.complaint_id, department, task, actor)
        return True

    @event("AgentAssigned")
    def assigned(
        self, complaint_id: str, agent_id: str | None, queue: str, department: str,
        strategy: str, trigger: str, reason: str, rule_id: str, rule_set_version: str,
        rule_set_hash: str, cause: str | None,
    ) -> None:
        if queue != self.queue:
            self.skills = []  # the routing rule's skills were for the old queue
        self.status = Status.ASSIGNED
        self.times_assigned += 1 if agent_id else 0
        self.agent_id = agent_id
        self.queue = queue
        self.department = department
        self.strategy = strategy

    @event("Queued")
    def queued(
        self, complaint_id: str, queue: str, department: str, reason: str, rule_id: str,
        rule_set_version: str, rule_set_hash: str, cause: str | None,
    ) -> None:
        if queue != self.queue:
            self.skills = []  # the routing rule's skills were for the old queue
        self.status = Status.QUEUED
        self.agent_id = None
        self.queue = queue
        self.department = department

    @event("Transferred")
    def transferred(
        self, complaint_id: str, to_queue: str, to_department: str, to_agent_id: str | None,
        from_queue: str, from_department: str, from_agent_id: str | None, strategy: str,
        reason: str, actor: str, transfer_count: int, cause: str | None,
    ) -> None:
        self.queue = to_queue
        self.department = to_department
        self.agent_id = to_agent_id
        self.strategy = strategy
        self.status = Status.ASSIGNED if to_agent_id else Status.QUEUED
        self.times_assigned += 1 if to_agent_id else 0
        self.skills = []
        self.transfer_count = transfer_count

    @event("CollaboratorAdded")
    def collaborator_added(self, complaint_id: str, department: str, task: str, actor: str) -> None:
        self.collaborators.append({"department": department, "task": task, "actor": actor})

    @event("Escalated")
    def escalated(self, level: str, cause: str | None) -> None:
        self.escalation_level = level

    @event("Closed")
    def closed(self, cause: str | None) -> None:
        self.last_owner = self.agent_id
        self.status = Status.CLOSED

    @event("Reopened")
    def reopened(self, cause: str | None) -> None:
        self.status = Status.QUEUED
        self.agent_id = None
