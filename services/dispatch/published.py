"""Maps dispatch's aggregate events to the published contracts; the rest stays internal.

Internal: the desks' bookkeeping, the facts an assignment was routed on, and the rule set
history (RuleSetHistory.Reloaded). Rule reloads stay in dispatch's sealed store rather than on
the bus: every published assignment already names the rule, version and content hash it used.
"""

from __future__ import annotations

from typing import Any

from contracts.dispatch import (
    CollaboratorAdded,
    ComplaintAssigned,
    ComplaintQueued,
    ComplaintTransferred,
)
from runtime.attribution import FirstEvents
from runtime.translation import Translator
from services.dispatch.domain import Assignment


def assigned(stored: Any) -> ComplaintAssigned:
    return ComplaintAssigned(
        complaint_id=stored.complaint_id, queue=stored.queue, agent_id=stored.agent_id,
        department=stored.department, rule_id=stored.rule_id,
        rule_set_version=stored.rule_set_version, strategy=stored.strategy,
        reason=stored.reason, trigger=stored.trigger, rule_set_hash=stored.rule_set_hash,
    )


def queued(stored: Any) -> ComplaintQueued:
    return ComplaintQueued(
        complaint_id=stored.complaint_id, queue=stored.queue, department=stored.department,
        rule_id=stored.rule_id, rule_set_version=stored.rule_set_version,
        reason=stored.reason, rule_set_hash=stored.rule_set_hash,
    )


def transferred(stored: Any) -> ComplaintTransferred:
    return ComplaintTransferred(
        complaint_id=stored.complaint_id, from_queue=stored.from_queue,
        to_queue=stored.to_queue, from_department=stored.from_department,
        to_department=stored.to_department, from_agent_id=stored.from_agent_id,
        to_agent_id=stored.to_agent_id, reason=stored.reason,
        transfer_count=stored.transfer_count, actor=stored.actor,
    )


def collaborator_added(stored: Any) -> CollaboratorAdded:
    return CollaboratorAdded(
        complaint_id=stored.complaint_id, department=stored.department, task=stored.task,
        actor=stored.actor,
    )


def translator(*, source: str, first_events: FirstEvents | None = None) -> Translator:
    """The translator the outbox relay publishes dispatch's events with."""
    return Translator(source=source, first_events=first_events, mappings={
        Assignment.AgentAssigned: assigned,
        Assignment.Queued: queued,
        Assignment.Transferred: transferred,
        Assignment.CollaboratorAdded: collaborator_added,
    })
