"""Understanding on arrival: classify the plaintext, or link it to the complaint it repeats.

Runs on the plaintext before the application seals it, and records the outcome on the new
complaint in the same save: `Classified`, or `DuplicateMarked` when the same customer filed
near-identical text within the window (then it is not classified: its original is); the
same customer is the same person on any channel (services/intake/identities.py). Imported
history is classified but never linked: each historical record was its own case.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from eventsourcing.application import AggregateNotFoundError, Repository

from runtime.vault import KeyVault
from services.intake import duplicates
from services.intake.classification import Classification, Classifier, ToClassify
from services.intake.domain import Complaint, Submission, Understood
from services.intake.duplicates import RecentComplaints, Seen
from services.intake.metrics import CLASSIFICATION_SECONDS


@dataclass(frozen=True)
class DuplicatePolicy:
    """How similar, and how close in time, a repeat must be to be linked as a duplicate."""

    window: timedelta = timedelta(hours=72)
    threshold: float = 0.45


@dataclass(frozen=True)
class Reading:
    """What the plaintext says, taken before it is sealed."""

    classification: Classification
    signature: bytes

    @property
    def language(self) -> str:
        return self.classification.language


class Understanding:
    """Reads submissions and records Classified or DuplicateMarked on their complaints."""

    def __init__(
        self, *, classifier: Classifier, policy: DuplicatePolicy, vault: KeyVault,
        repository: Repository,
    ) -> None:
        self.classifier = classifier
        self.policy = policy
        self.vault = vault
        self.repository = repository

    def read(self, submission: Submission) -> Reading:
        """Classify the plaintext and take its signature."""
        return self.read_many([submission])[0]

    def read_many(self, submissions: Sequence[Submission]) -> list[Reading]:
        """read() of each, the classifier's models called once for all: per complaint, a
        batch of 64 costs about a quarter of one read alone (bench/README.md, #18)."""
        if not submissions:
            return []
        started = time.perf_counter()
        classifications = self.classifier.classify_many([
            ToClassify(s.subject, s.text, s.product, s.customer.tier) for s in submissions
        ])
        each = (time.perf_counter() - started) / len(submissions)
        for _ in submissions:
            CLASSIFICATION_SECONDS.observe(each)
        return [Reading(c, duplicates.signature(s.text))
                for s, c in zip(submissions, classifications, strict=True)]

    def record(
        self, complaint: Complaint, reading: Reading, *, also: Sequence[str] = ()
    ) -> list[RecentComplaints]:
        """Mark the complaint a duplicate or classify it; returns the index to save with it.

        `also`: the person's other customer ids, whose recent complaints count as theirs.
        """
        if complaint.historical:
            complaint.classify(classification=understood(reading.classification))
            return []
        tenant, customer_id = complaint.tenant, complaint.customer["id"]
        periods = self._periods(tenant, customer_id, complaint.received_at)
        others = [index for other in also if other != customer_id
                  for index in self._periods(tenant, other, complaint.received_at)]
        seen = [s for index in [*others, *periods] for s in self._seen(index)]
        match = duplicates.find_original(
            reading.signature, complaint.received_at, seen,
            window=self.policy.window, threshold=self.policy.threshold,
        )
        if match:
            hours = self.policy.window.total_seconds() / 3600
            complaint.mark_duplicate(
                original_id=uuid.UUID(match.original_id), similarity=match.similarity,
                reason=f"same customer, text {match.similarity:.0%} similar within {hours:g} hours",
            )
        else:
            complaint.classify(classification=understood(reading.classification))
        current = periods[-1]
        current.note(
            complaint_id=complaint.id,
            original_id=uuid.UUID(match.original_id) if match else complaint.id,
            sealed_signature=self.vault.seal(
                tenant, customer_id, duplicates.encode(reading.signature)
            ),
            received_at=complaint.received_at,
        )
        return [current]

    def _periods(self, tenant: str, customer_id: str, at: datetime) -> list[RecentComplaints]:
        """The index of the period before this instant's and of its own (opened if new)."""
        period = RecentComplaints.period_of(at, self.policy.window)
        indexes = []
        for p in (period - 1, period):
            try:
                index_id = RecentComplaints.create_id(tenant, customer_id, p)
                indexes.append(self.repository.get(index_id))
            except AggregateNotFoundError:
                indexes.append(RecentComplaints(tenant=tenant, customer_id=customer_id, period=p))
        return indexes

    def _seen(self, index: RecentComplaints) -> list[Seen]:
        seen = []
        for entry in index.entries:
            opened = self.vault.open(index.tenant, index.customer_id, entry["sealed_signature"])
            if opened is None:
                continue  # the customer was erased since: nothing left to compare with
            seen.append(Seen(
                complaint_id=entry["complaint_id"], original_id=entry["original_id"],
                signature=duplicates.decode(opened), received_at=entry["received_at"],
            ))
        return seen


def understood(classification: Classification) -> Understood:
    """The domain's record of a classification."""
    c = classification
    return Understood(
        category=c.category, product=c.product, confidence=c.confidence,
        severity=c.severity.value, rules_fired=c.rules_fired, crisis_signals=c.crisis_signals,
        keywords=c.keywords, sentiment=c.sentiment,
    )
