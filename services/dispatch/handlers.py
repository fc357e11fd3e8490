"""What dispatch does with the events it consumes, and the subscription map."""

from __future__ import annotations

import functools
from typing import Any

from contracts.envelope import Envelope
from contracts.intake import ComplaintClassified
from contracts.resolution import ComplaintClosed, ComplaintReopened
from contracts.sla import SlaEscalated
from contracts.topics import INTAKE_EVENTS, RESOLUTION_EVENTS, SLA_EVENTS
from runtime.eventstore import Cause
from runtime.inbox import Handler, Rejected
from services.dispatch.application import DispatchApplication
from services.dispatch.ruleset import Facts
from services.dispatch.tenancy import UnknownTenant


def route_classified(
    app: DispatchApplication, event: ComplaintClassified, envelope: Envelope, cause: Cause
) -> None:
    """A classified complaint is routed by its tenant's rules in force and given an owner of
    its tenant; a tenant dispatch has no rules for is refused (dead-lettered, never routed
    into another tenant's desks)."""
    app.route(
        complaint_id=event.complaint_id, tenant=envelope.tenant,
        facts=classified_facts(event), arrived_at=envelope.time,
        historical=event.historical, cause=cause,
    )


def free_capacity(
    app: DispatchApplication, event: ComplaintClosed, envelope: Envelope, cause: Cause
) -> None:
    """A closed complaint frees its owner's slot."""
    app.close_complaint(complaint_id=event.complaint_id, cause=cause)


def reassign_reopened(
    app: DispatchApplication, event: ComplaintReopened, envelope: Envelope, cause: Cause
) -> None:
    """A reopened complaint goes back to its previous owner if they can take it."""
    app.reopen(
        complaint_id=event.complaint_id,
        previous_owner=event.previous_owner_agent_id, cause=cause,
    )


def escalate(
    app: DispatchApplication, event: SlaEscalated, envelope: Envelope, cause: Cause
) -> None:
    """An SLA escalation moves the complaint to the next level's owner."""
    app.escalate(
        complaint_id=event.complaint_id, level=event.level, reason=event.reason, cause=cause
    )


def classified_facts(event: ComplaintClassified) -> Facts:
    """The classification's facts, as routing rules match them."""
    # Keywords are the taxonomy's terms as taxonomy.yaml spells them. Events classified before
    # intake published them carry them only as `kw:` rules fired.
    keywords = event.keywords or tuple(
        fired.removeprefix("kw:") for fired in event.rules_fired if fired.startswith("kw:")
    )
    return Facts(
        category=event.category,
        severity=_text(event.severity),
        channel=_text(event.channel),
        customer_tier=_text(event.customer_tier),
        region=event.region,
        language=_text(event.language),
        product=event.product,
        keywords=tuple(keywords),
    )


def _text(value: Any) -> str | None:
    return None if value is None else str(getattr(value, "value", value))


def tenant_known(handler: Handler) -> Handler:
    """A complaint of a tenant dispatch has no roster and rules for can never be handled:
    refused at once, so it is dead-lettered with the reason instead of retried."""

    @functools.wraps(handler)
    def handle(app: Any, event: Any, envelope: Envelope, cause: Cause) -> None:
        try:
            handler(app, event, envelope, cause)
        except UnknownTenant as error:
            raise Rejected(str(error)) from error

    return handle


SUBSCRIPTIONS = {
    # Received complaints wait for their classification, which repeats what routing needs;
    # duplicates are never classified, so they never get an owner of their own.
    INTAKE_EVENTS: {ComplaintClassified: tenant_known(route_classified)},
    RESOLUTION_EVENTS: {ComplaintClosed: tenant_known(free_capacity),
                        ComplaintReopened: tenant_known(reassign_reopened)},
    SLA_EVENTS: {SlaEscalated: tenant_known(escalate)},
}
