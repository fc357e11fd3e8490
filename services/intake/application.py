"""Intake's use cases: file a complaint exactly once, look it up."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from runtime.eventstore import Cause, IntegrityError, ServiceApplication
from services.intake.domain import Complaint, Submission, SubmissionKey


@dataclass(frozen=True)
class Filed:
    """The outcome of filing: which complaint, and whether this call created it."""

    complaint_id: uuid.UUID
    created: bool


class IntakeApplication(ServiceApplication):
    """Accepts submissions from every channel into complaints."""

    def file_complaint(
        self,
        submission: Submission,
        *,
        tenant: str,
        idempotency_key: str | None = None,
        cause: Cause | None = None,
    ) -> Filed:
        """File a submission; the same idempotency key or external reference files it once."""
        keys = submission_keys(submission, idempotency_key)
        existing = self._already_filed(tenant, keys)
        if existing:
            return Filed(existing, created=False)
        complaint = Complaint(
            tenant=tenant,
            channel=submission.channel.value,
            customer=submission.customer.model_dump(mode="json"),
            subject=submission.subject,
            text=submission.text,
            received_at=datetime.now(UTC),
            occurred_at=submission.occurred_at,
            external_reference=submission.external_reference,
            product=submission.product,
            company=submission.company,
            attachments=[a.model_dump(mode="json") for a in submission.attachments],
            historical=submission.historical,
            cause=str(cause.event_id) if cause else None,
        )
        claims = [SubmissionKey(tenant, key, complaint.id) for key in keys]
        try:
            self.save(complaint, *claims, cause=cause)
        except IntegrityError:
            existing = self._already_filed(tenant, keys)
            if existing is None:
                raise
            return Filed(existing, created=False)
        return Filed(complaint.id, created=True)

    def get_complaint(self, complaint_id: uuid.UUID) -> Complaint:
        """The complaint as intake recorded it (TypeError if the id is not a complaint's)."""
        complaint = self.repository.get(complaint_id)
        if not isinstance(complaint, Complaint):
            raise TypeError(f"{complaint_id} is not a complaint")
        return complaint

    def _already_filed(self, tenant: str, keys: list[str]) -> uuid.UUID | None:
        for key in keys:
            key_id = SubmissionKey.create_id(tenant, key)
            if key_id in self.repository:
                return self.repository.get(key_id).complaint_id
        return None


def submission_keys(submission: Submission, idempotency_key: str | None) -> list[str]:
    """The keys under which a submission may not be filed twice."""
    keys = []
    if idempotency_key:
        keys.append(f"idempotency:{idempotency_key}")
    if submission.external_reference:
        keys.append(f"external:{submission.channel.value}:{submission.external_reference}")
    return keys
