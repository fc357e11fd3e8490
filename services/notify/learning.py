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

Learner = Callable[["NotifyApplication", Any, Envelope, ComplaintFile | None], list]


def _received(app: NotifyApplication, event: ComplaintReceived, envelope: Envelope,
              file: ComplaintFile | None) -> list:
    assert file is not None
    file.learn_customer(customer_id=event.customer_id, reference=event.external_reference)
    return []


def _classified(app: NotifyApplication, event: ComplaintClassified, envelope: Envelope,
                file: ComplaintFile | None) -> list:
    if file is not None and event.language is not None:
        file.learn_language(language=str(event.language.value))
    return []


def _assigned(app: NotifyApplication, event: ComplaintAssigned, envelope: Envelope,
              file: ComplaintFile | None) -> list:
    assert file is not None
    file.learn_owner(owner=event.agent_id, department=event.department)
    return []


def _transferred(app: NotifyApplication, event: ComplaintTransferred, envelope: Envelope,
                 file: ComplaintFile | None) -> list:
    assert file is not None
    file.learn_owner(owner=event.to_agent_id, department=event.to_department)
    return []


def _erased(app: NotifyApplication, event: CustomerErased, envelope: Envelope,
            file: ComplaintFile | None) -> list:
    return app.erase_customer(envelope.tenant, event.customer_id, event.erased_at)


LEARNERS: dict[type[DomainEvent], Learner] = {
    ComplaintReceived: _received,
    ComplaintClassified: _classified,
    ComplaintAssigned: _assigned,
    ComplaintTransferred: _transferred,
    CustomerErased: _erased,
}


def learn(app: NotifyApplication, event: DomainEvent, envelope: Envelope,
          file: ComplaintFile | None) -> list:
    """Apply what the event tells to the complaint's file; returns other aggregates changed."""
    learner = LEARNERS.get(type(event))
    return learner(app, event, envelope, file) if learner else []
