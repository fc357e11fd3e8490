"""Maps intake's aggregate events to the published contracts."""

from __future__ import annotations

from typing import Any

from contracts.intake import (
    ComplaintCategoryCorrected,
    ComplaintClassified,
    ComplaintHistoryRecorded,
    ComplaintMarkedDuplicate,
    ComplaintReceived,
    CustomerErased,
    RecordedHistory,
)
from runtime.attribution import FirstEvents
from runtime.translation import Translator
from services.intake.domain import Complaint, PersonalData


def received(stored: Any) -> ComplaintReceived:
    """Personal fields leave intake as sealed as they are stored (Kafka keeps them forever)."""
    customer = stored.customer
    return ComplaintReceived(
        complaint_id=str(stored.originator_id),
        channel=stored.channel,
        customer_id=customer["id"],
        customer_name=customer.get("name"),
        customer_contact=customer.get("contact"),
        customer_tier=customer.get("tier", "standard"),
        region=customer.get("region"),
        subject=stored.subject,
        text=stored.text,
        received_at=stored.received_at,
        attachments=tuple(stored.attachments),
        historical=stored.historical,
        **stored.details,  # ComplaintDetails' fields, published side by side
    )


def history_recorded(stored: Any) -> ComplaintHistoryRecorded:
    return ComplaintHistoryRecorded(
        complaint_id=str(stored.originator_id),
        **{name: getattr(stored, name) for name in RecordedHistory.model_fields},
    )


def classified(stored: Any) -> ComplaintClassified:
    return ComplaintClassified(
        complaint_id=str(stored.originator_id), category=stored.category,
        severity=stored.severity, confidence=stored.confidence,
        rules_fired=tuple(stored.rules_fired), crisis_signals=tuple(stored.crisis_signals),
        product=stored.product, language=stored.language, channel=stored.channel,
        customer_tier=stored.customer_tier, region=stored.region,
        keywords=tuple(stored.keywords), sentiment=stored.sentiment,
        historical=stored.historical,
    )


def category_corrected(stored: Any) -> ComplaintCategoryCorrected:
    return ComplaintCategoryCorrected(
        complaint_id=str(stored.originator_id), previous_category=stored.previous_category,
        category=stored.category, corrected_by=stored.corrected_by,
        corrected_at=stored.corrected_at,
    )


def marked_duplicate(stored: Any) -> ComplaintMarkedDuplicate:
    return ComplaintMarkedDuplicate(
        complaint_id=str(stored.originator_id), original_complaint_id=stored.original_id,
        similarity=stored.similarity, reason=stored.reason,
    )


def erased(stored: Any) -> CustomerErased:
    return CustomerErased(
        customer_id=stored.customer_id, erased_at=stored.erased_at, reason=stored.reason,
        # Erasures stored before the retention policy existed do not carry these.
        policy_version=getattr(stored, "policy_version", None),
        retention_rule=getattr(stored, "retention_rule", None),
    )


def translator(*, source: str, first_events: FirstEvents | None = None) -> Translator:
    """The translator the outbox relay publishes intake's events with."""
    return Translator(
        source=source, first_events=first_events,
        mappings={
            Complaint.Received: received,
            Complaint.HistoryRecorded: history_recorded,
            Complaint.Classified: classified,
            Complaint.DuplicateMarked: marked_duplicate,
            Complaint.CategoryCorrected: category_corrected,
            PersonalData.Erased: erased,
        },
    )
