"""What notify learns from events besides what to send: a complaint's customer, language and
owner, and a customer's erasure."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from contracts.dispatch import ComplaintAssigned, ComplaintTransferred
from contracts.envelope import DomainEvent, Envelope
from contracts.intake import ComplaintClassified, ComplaintReceived, CustomerErased
from services.notify.domain import ComplaintFile

if TYPE_CHECKING:
    from services.notify.application import NotifyApplication


def _language(event: ComplaintClassified, file: ComplaintFile) -> None:
    if event.language is not None:  # undetermined: nothing to learn
        file.learn_language(language=str(event.language.value))


# What an event tells the complaint's file, by the event's type.
LESSONS: dict[type[DomainEvent], Callable[[Any, ComplaintFile], None]] = {
    ComplaintReceived: lambda event, file: file.learn_customer(
        customer_id=event.customer_id, reference=event.external_reference
    ),
    ComplaintClassified: _language,
    ComplaintAssigned: lambda event, file: file.learn_owner(
        owner=event.agent_id, department=event.department
    ),
    ComplaintTransferred: lambda event, file: file.learn_owner(
        owner=event.to_agent_id, department=event.to_department
    ),
}


def learn(app: NotifyApplication, event: DomainEvent, envelope: Envelope,
          file: ComplaintFile | None) -> list:
    """Apply what the event tells to the complaint's file; returns other aggregates changed
    (a customer's erasure changes their contact)."""
    if isinstance(event, CustomerErased):
        return app.erase_customer(envelope.tenant, event.customer_id, event.erased_at)
    lesson = LESSONS.get(type(event))
    if lesson is not None and file is not None:
        lesson(event, file)
    return []
