"""What resolution does with the events it consumes: cases follow dispatch (owners, and tasks
of departments asked to collaborate), record SLA alerts, learn the language and the customer
of each complaint from intake, and erase with intake."""

from __future__ import annotations

from typing import Any

from contracts.dispatch import CollaboratorAdded, ComplaintAssigned, ComplaintTransferred
from contracts.envelope import Envelope
from contracts.intake import ComplaintClassified, ComplaintReceived, CustomerErased, Language
from contracts.sla import SlaBreached, SlaEscalated, SlaWarningRaised
from contracts.topics import DISPATCH_EVENTS, INTAKE_EVENTS, SLA_EVENTS
from runtime.eventstore import Cause
from services.resolution.application import ResolutionApplication
from services.resolution.domain import Case
from services.resolution.messages import sla_alert_detail


def open_assigned_case(
    app: ResolutionApplication, event: ComplaintAssigned, envelope: Envelope, cause: Cause
) -> None:
    """A complaint with an owner is ready to be worked: open its case (or follow the owner)."""
    _follow_owner(app, envelope, cause, event.complaint_id, event.queue, event.agent_id,
                  event.reason, event.department)


def learn_language(
    app: ResolutionApplication, event: ComplaintClassified, envelope: Envelope, cause: Cause
) -> None:
    """Intake detected the complaint's language: customers are answered in it."""
    if event.language is not None:
        app.record_language(complaint_id=event.complaint_id, language=str(event.language),
                            cause=cause)


def learn_customer(
    app: ResolutionApplication, event: ComplaintReceived, envelope: Envelope, cause: Cause
) -> None:
    """Whose complaint it is: erasing the customer erases what resolution keeps of it."""
    app.record_customer(tenant=envelope.tenant, customer_id=event.customer_id,
                        complaint_id=event.complaint_id, received_at=event.received_at,
                        cause=cause)


def erase_customer(
    app: ResolutionApplication, event: CustomerErased, envelope: Envelope, cause: Cause
) -> None:
    """Intake erased the customer: their complaints' notes, messages and files go too."""
    app.erase_customer(tenant=envelope.tenant, customer_id=event.customer_id,
                       erased_at=event.erased_at, cause=cause)


def follow_transfer(
    app: ResolutionApplication, event: ComplaintTransferred, envelope: Envelope, cause: Cause
) -> None:
    """The case follows its complaint to the new owner; an agent who gets a complaint that has
    no case yet gets its case opened."""
    # Dispatch before issue #22 published a complaint's first owner, named by hand, as a
    # transfer; those complaints had no case, and only a later transfer can give them one.
    if event.to_agent_id is not None or _has_case(app, event.complaint_id):
        _follow_owner(app, envelope, cause, event.complaint_id, event.to_queue,
                      event.to_agent_id, event.reason, event.to_department)


def _follow_owner(
    app: ResolutionApplication, envelope: Envelope, cause: Cause, complaint_id: str,
    queue: str | None, agent_id: str | None, reason: str, department: str | None,
) -> None:
    """Dispatch named the complaint's owner: open its case, or the case follows the owner."""
    app.open_case(
        complaint_id=complaint_id, tenant=envelope.tenant, owner_queue=queue,
        owner_agent_id=agent_id, reason=reason, cause=cause, department=department,
    )


def record_collaboration(
    app: ResolutionApplication, event: CollaboratorAdded, envelope: Envelope, cause: Cause
) -> None:
    """Another department was asked to help: its agents get a collaboration task on the case.
    The task's id is the event's, so a redelivery finds it recorded; dispatch names no due
    time, so the task has none (never overdue, listed after the dated ones)."""
    if _has_case(app, event.complaint_id):
        app.record_collaboration(
            complaint_id=event.complaint_id, task_id=str(envelope.id),
            department=event.department, task=event.task, requested_by=event.actor,
            due_at=None, cause=cause,
        )


def record_warning(
    app: ResolutionApplication, event: SlaWarningRaised, envelope: Envelope, cause: Cause
) -> None:
    """Whoever works the case sees that its deadline is near."""
    _record(app, event.complaint_id, "warning", event.clock_id, cause,
            share_elapsed=event.share_elapsed, deadline_at=event.deadline_at)


def record_breach(
    app: ResolutionApplication, event: SlaBreached, envelope: Envelope, cause: Cause
) -> None:
    """Whoever works the case sees that its deadline passed."""
    _record(app, event.complaint_id, "breach", event.clock_id, cause,
            deadline_at=event.deadline_at)


def record_escalation(
    app: ResolutionApplication, event: SlaEscalated, envelope: Envelope, cause: Cause
) -> None:
    """Whoever works the case sees who it was escalated to, and why."""
    _record(app, event.complaint_id, "escalation", event.clock_id, cause,
            level=str(event.level), reason=event.reason)


def _record(
    app: ResolutionApplication, complaint_id: str, kind: str, clock_id: str, cause: Cause,
    **facts: Any,
) -> None:
    if _has_case(app, complaint_id):
        app.record_sla_alert(
            complaint_id=complaint_id, kind=kind, clock_id=clock_id, facts=facts,
            detail=sla_alert_detail(kind, facts, Language.EN), cause=cause,
        )


def _has_case(app: ResolutionApplication, complaint_id: str) -> bool:
    return Case.create_id(complaint_id) in app.repository


SUBSCRIPTIONS = {
    INTAKE_EVENTS: {
        ComplaintReceived: learn_customer,
        ComplaintClassified: learn_language,
        CustomerErased: erase_customer,
    },
    DISPATCH_EVENTS: {
        ComplaintAssigned: open_assigned_case,
        ComplaintTransferred: follow_transfer,
        CollaboratorAdded: record_collaboration,
    },
    SLA_EVENTS: {
        SlaWarningRaised: record_warning,
        SlaBreached: record_breach,
        SlaEscalated: record_escalation,
    },
}
