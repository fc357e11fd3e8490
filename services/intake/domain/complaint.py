"""The complaint as intake records it: what it says (sealed), how intake understood it, and
its history when imported. Personal fields (customer name and contact, subject, text,
attachment names) reach the domain already sealed by the application: the domain never sees
plaintext and never needs to."""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from eventsourcing.domain import Aggregate, event

from contracts.intake import ComplaintDetails, CustomerTier
from runtime.attribution import Attributed, recall_own_id
from services.intake.domain.stored import STORED_AS, StoredAsPackage

if TYPE_CHECKING:
    from services.intake.domain.submission import History

UNDETERMINED = "und"  # ISO 639-2: the language of complaints received before it was detected


@dataclass(frozen=True)
class Understood:
    """Intake's reading of a complaint: rule ids and taxonomy terms only, never its text."""

    category: str
    product: str | None
    confidence: float
    severity: str
    rules_fired: tuple[str, ...]
    crisis_signals: tuple[str, ...]
    keywords: tuple[str, ...]
    sentiment: float

    def as_event(self) -> dict:
        fields = asdict(self)
        return {k: list(v) if isinstance(v, tuple) else v for k, v in fields.items()}


class Complaint(StoredAsPackage, Attributed):
    """A complaint accepted through one channel; personal fields are sealed `pii:v1:` strings.
    Its id is the complaint id, which is how events stored before they named it get it."""

    upcast_attribution = staticmethod(recall_own_id)

    class Received(Aggregate.Created):
        """Version 2 added `language`; events stored before it are upcast as undetermined.
        Version 3 holds what the complaint is about as one dict (contracts' ComplaintDetails)
        where earlier versions had its fields side by side."""

        __module__ = STORED_AS
        class_version = 3
        tenant: str
        channel: str
        customer: dict
        subject: str
        text: str
        received_at: datetime
        details: dict
        attachments: list[dict] | None = None
        historical: bool = False
        cause: str | None = None
        language: str = UNDETERMINED

        @staticmethod
        def upcast_v1_v2(state: dict) -> None:
            # The text is sealed, so the language of an old complaint cannot be found out now.
            state["language"] = UNDETERMINED

        @staticmethod
        def upcast_v2_v3(state: dict) -> None:
            # Fields added after version 1 (channel_detail, sub_product, issue) may be absent.
            state["details"] = {name: state.pop(name, None)
                                for name in ComplaintDetails.model_fields}

        @property
        def complaint_id(self) -> str:
            # The aggregate's id (runtime.attribution): so every Received names it, whenever
            # it was stored; its tenant it always named.
            return str(self.originator_id)

    @event(Received)
    def __init__(
        self,
        *,
        tenant: str,
        channel: str,
        customer: dict,
        subject: str,
        text: str,
        received_at: datetime,
        details: dict,
        attachments: list[dict] | None = None,
        historical: bool = False,
        cause: str | None = None,
        language: str = UNDETERMINED,
    ) -> None:
        self.tenant = tenant
        self.channel = channel
        self.customer = customer
        self.subject = subject
        self.text = text
        self.received_at = received_at
        self.details = ComplaintDetails.model_validate(details)
        self.attachments = attachments or []
        self.historical = historical
        self.history: dict | None = None
        self.language = language
        self.understanding: dict | None = None
        self.duplicate_of: str | None = None
        self.status = "received"

    @property
    def complaint_id(self) -> str:
        return str(self.id)

    def __getattr__(self, name: str) -> object:
        # Its details read as its own attributes (complaint.product), as they always have.
        if name in ComplaintDetails.model_fields and "details" in self.__dict__:
            return getattr(self.details, name)
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def classify(self, *, classification: Understood) -> None:
        """Record what intake understood from the plaintext: category, severity, reasons."""
        self.check_not_understood()
        customer = self.customer
        self._classified(
            **classification.as_event(), language=self.language, channel=self.channel,
            customer_tier=customer.get("tier", CustomerTier.STANDARD.value),
            region=customer.get("region"), historical=self.historical,
        )

    @event("Classified")
    def _classified(
        self, *, category: str, product: str | None, confidence: float, severity: str,
        rules_fired: list[str], crisis_signals: list[str], keywords: list[str],
        sentiment: float, language: str, channel: str, customer_tier: str,
        region: str | None, historical: bool,
    ) -> None:
        self.understanding = {"category": category, "severity": severity,
                              "confidence": confidence}

    def correct_category(self, *, category: str, agent_id: str, at: datetime) -> None:
        """Record an agent's category instead of the one intake decided."""
        self.check_classified()
        previous = self.understanding["category"]  # type: ignore[index]
        self._category_corrected(
            previous_category=previous, category=category, corrected_by=agent_id,
            corrected_at=at,
        )

    @event("CategoryCorrected")
    def _category_corrected(
        self, *, previous_category: str, category: str, corrected_by: str,
        corrected_at: datetime,
    ) -> None:
        self.understanding = {**(self.understanding or {}), "category": category}

    def check_classified(self) -> None:
        if self.understanding is None:
            raise NotClassified(f"{self.id} has no category to correct")

    def mark_duplicate(self, *, original_id: uuid.UUID, similarity: float, reason: str) -> None:
        """Link this complaint to the earlier one it repeats, instead of understanding it anew."""
        self.check_not_understood()
        self._marked_duplicate(original_id=str(original_id), similarity=similarity, reason=reason)

    @event("DuplicateMarked")
    def _marked_duplicate(self, *, original_id: str, similarity: float, reason: str) -> None:
        self.duplicate_of = original_id

    def check_not_understood(self) -> None:
        if self.understanding is not None or self.duplicate_of is not None:
            raise AlreadyUnderstood(f"{self.id} is already classified or marked a duplicate")

    def record_history(self, history: History) -> None:
        """Record how an imported complaint went before intake knew it (history only)."""
        self.check_historical()
        self._history_recorded(**{**history.model_dump(), "tags": list(history.tags)})

    @event("HistoryRecorded")
    def _history_recorded(
        self, *, sent_to_company_at: datetime | None, company_response: str | None,
        company_public_response: str | None, timely: bool | None,
        consumer_disputed: bool | None, tags: list[str], issue: str | None,
        sub_issue: str | None,
    ) -> None:
        self.history = {
            "sent_to_company_at": sent_to_company_at, "company_response": company_response,
            "company_public_response": company_public_response, "timely": timely,
            "consumer_disputed": consumer_disputed, "tags": tags, "issue": issue,
            "sub_issue": sub_issue,
        }

    def check_historical(self) -> None:
        if not self.historical:
            raise NotHistorical(f"{self.id} is live: only imported history has a past")


class NotClassified(Exception):
    """Only a classified complaint has a category to correct."""


class AlreadyUnderstood(Exception):
    """A complaint is classified, or marked a duplicate, once."""


class NotHistorical(Exception):
    """A live complaint was given a past lifecycle."""
