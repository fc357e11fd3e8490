"""Events published by dispatch on `dispatch.events.v1`."""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from contracts.envelope import ComplaintEvent, DomainEvent

# StrEnum("Name", "A B_C") declares Name.A = "a", Name.B_C = "b_c": values are the
# member names in lower case.
AssignmentStrategy = StrEnum("AssignmentStrategy", (
    "SKILL_BASED LEAST_LOADED ROUND_ROBIN STICKY MANUAL"
))


AssignmentTrigger = StrEnum("AssignmentTrigger", (
    "ROUTED CAPACITY_FREED REOPENED SLA_ESCALATION TRANSFER_CAP MANUAL"
))


RULE_SET_HASH = "sha256 of the routing rule file in force, beside its declared version"


class _Routed(ComplaintEvent):
    """A routing rule's decision on where the complaint goes."""

    queue: str
    department: str
    rule_id: str = Field(description="The routing rule that matched")
    rule_set_version: str = Field(
        min_length=1, description="Version of the routing rule file in force"
    )
    rule_set_hash: str | None = Field(None, description=RULE_SET_HASH)


class ComplaintAssigned(_Routed):
    """A routing rule gave the complaint to a queue and, when one was free, an agent."""

    event_type = "complaint.assigned.v1"
    agent_id: str | None = Field(None, description="None while the queue has not picked an agent")
    strategy: AssignmentStrategy = Field(description="How the agent was chosen within the queue")
    reason: str = Field(description="Human-readable explanation of the decision")
    trigger: AssignmentTrigger | None = Field(
        None, description="What caused this assignment: first routing, a slot freed in the "
        "queue, a reopening, an SLA escalation, the transfer cap, or a person who sent a "
        "complaint nobody had held yet to an agent or a queue (manual: no transfer)"
    )


class ComplaintQueued(_Routed):
    """No agent could take the complaint yet; it waits in a queue."""

    event_type = "complaint.queued.v1"
    reason: str = Field(description="Why no agent was assigned, e.g. all agents at capacity")


class ComplaintTransferred(ComplaintEvent):
    """The complaint moved to another queue, department or agent."""

    event_type = "complaint.transferred.v1"
    from_queue: str
    to_queue: str
    from_department: str
    to_department: str
    from_agent_id: str | None = None
    to_agent_id: str | None = None
    reason: str
    transfer_count: int = Field(
        ge=1, description="Transfers of this complaint so far, this one included"
    )
    actor: str = Field(description="User id of who transferred it, or `system`")


class CollaboratorAdded(ComplaintEvent):
    """Another department was asked to help with part of the complaint."""

    event_type = "complaint.collaborator_added.v1"
    department: str
    task: str = Field(min_length=1, description="What the collaborating department is asked to do")
    actor: str = Field(description="User id of who asked, or `system`")


EVENTS: tuple[type[DomainEvent], ...] = (
    ComplaintAssigned,
    ComplaintQueued,
    ComplaintTransferred,
    CollaboratorAdded,
)
