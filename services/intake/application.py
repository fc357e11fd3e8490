"""Intake's use cases: file a complaint exactly once, look it up, erase a customer."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from typing import Any

from contracts.envelope import DomainEvent, Envelope
from contracts.inbound import ComplaintSubmitted
from contracts.intake import Attachment, ComplaintDetails
from runtime.eventstore import Cause, IntegrityError, ServiceApplication
from runtime.inbox import Rejected
from runtime.transact import transact
from runtime.vault import KeyVault
from services.intake.classification import Classifier, shipped
from services.intake.domain import (
    Complaint,
    Customer,
    PersonalData,
    Submission,
    SubmissionKey,
)
from services.intake.identities import Identities, Resolved
from services.intake.identity import PointIds
from services.intake.metrics import RECEIVED, count_understood
from services.intake.submissions import submission_of
from services.intake.understanding import DuplicatePolicy, Reading, Understanding

ERASED = "[erased]"


def utcnow() -> datetime:
    """The current time, in UTC."""
    return datetime.now(UTC)


@dataclass(frozen=True)
class Filed:
    """The outcome of filing: which complaint, whether this call created it, and how intake
    understood it on arrival (no category or severity when it repeats an earlier complaint)."""

    complaint_id: uuid.UUID
    created: bool
    filed_at: datetime  # when intake recorded it (a historical complaint's is not received_at)
    category: str | None = None
    severity: str | None = None
    duplicate_of: uuid.UUID | None = None

    @classmethod
    def of(cls, complaint: Complaint, *, created: bool) -> Filed:
        understood = complaint.understanding or {}
        original = complaint.duplicate_of
        return cls(
            complaint.id, created, complaint.created_on, category=understood.get("category"),
            severity=understood.get("severity"),
            duplicate_of=uuid.UUID(original) if original else None,
        )


@dataclass(frozen=True)
class Disclosed:
    """A complaint's personal fields in plaintext, or ERASED once the customer's key is gone."""

    customer_name: str | None
    customer_contact: str | None
    subject: str
    text: str
    erased: bool


@dataclass(frozen=True)
class Erasure:
    """The outcome of erasing: whether this call recorded it (False: already on record)."""

    customer_id: str
    recorded: bool


class IntakeApplication(ServiceApplication):
    """Accepts submissions from every channel into complaints; personal data stays sealed."""

    def __init__(
        self, *, vault: KeyVault, env: Any = None, classifier: Classifier | None = None,
        duplicates: DuplicatePolicy | None = None, clock: Callable[[], datetime] = utcnow,
        contact_index_key: bytes | None = None,
    ) -> None:
        super().__init__(env=env)
        self.vault = vault
        self.clock = clock
        # The consumed batch's submissions and readings in hand, by event id (prepare).
        self._prepared: dict[uuid.UUID, tuple[Submission, Reading]] = {}
        self.understanding = Understanding(
            classifier=classifier or shipped(), policy=duplicates or DuplicatePolicy(),
            vault=vault, repository=self.repository,
        )
        # Keyed ids of the contact-point index (CONTACT_INDEX_KEY); none: a random key.
        self.identities = Identities(repository=self.repository, vault=vault,
                                     ids=PointIds(contact_index_key))

    def file_complaint(
        self,
        submission: Submission,
        *,
        tenant: str,
        idempotency_key: str | None = None,
        cause: Cause | None = None,
        reading: Reading | None = None,
    ) -> Filed:
        """File a submission; the same idempotency key or external reference files it once.

        `reading`: the submission already classified (`read`), e.g. outside a group commit.
        """
        # A save that lost a race (on the customer's duplicate index, or to the same submission
        # filed meanwhile) is redone: it then files afresh, or finds the complaint filed.
        keys = submission_keys(submission, idempotency_key)
        return transact(self, partial(self._file, submission, tenant, keys, cause, reading),
                        cause=cause, attempts=3)

    def read(self, submission: Submission) -> Reading:
        """Classify a submission's plaintext (pure CPU, no store: any thread, before filing)."""
        return self.understanding.read(submission)

    def read_many(self, submissions: Sequence[Submission]) -> list[Reading]:
        """read() of each, classified together: the cheap way for a batch."""
        return self.understanding.read_many(submissions)

    def prepare(self, events: Sequence[tuple[Envelope, DomainEvent]]) -> None:
        """A consumed batch's submissions validated and classified together, before its
        transaction; each filing takes its own (prepared). An invalid one is left to its
        handler, which refuses it."""
        submissions = {}
        for envelope, event in events:
            if isinstance(event, ComplaintSubmitted):
                with contextlib.suppress(Rejected):
                    submissions[envelope.id] = submission_of(event)
        if submissions:  # a batch of another topic leaves the inbound batch's readings be
            readings = self.read_many(list(submissions.values()))
            self._prepared = {event_id: (submission, reading) for (event_id, submission), reading
                              in zip(submissions.items(), readings, strict=True)}

    def prepared(self, event_id: uuid.UUID) -> tuple[Submission, Reading] | None:
        """The submission prepare() made of this consumed event and its reading, once; None
        if it made none."""
        return self._prepared.pop(event_id, None)

    def _file(self, submission: Submission, tenant: str, keys: list[str],
              cause: Cause | None, reading: Reading | None) -> Filed:
        existing = self._already_filed(tenant, keys)
        if existing:
            return Filed.of(self.get_complaint(existing), created=False)
        if reading is None:  # plaintext: read before anything is sealed
            reading = self.understanding.read(submission)
        person = self._person(tenant, submission)
        seal = self.vault.sealer(tenant, person.customer_id)
        complaint = Complaint(
            tenant=tenant,
            channel=submission.channel.value,
            customer=sealed_customer(submission.customer, seal, person.customer_id),
            subject=seal(submission.subject),
            text=seal(submission.text),
            received_at=submission.received_at or self.clock(),
            details=ComplaintDetails.of(submission).model_dump(),
            attachments=[sealed_attachment(a, seal) for a in submission.attachments],
            historical=submission.historical,
            cause=str(cause.event_id) if cause else None,
            language=reading.language,
        )
        # Classified, or DuplicateMarked against any earlier complaint of the same person
        index = self.understanding.record(complaint, reading, also=person.history)
        if submission.history is not None:
            complaint.record_history(submission.history)
        claims = [SubmissionKey(tenant, key, complaint.id) for key in keys]
        self.save(complaint, *index, *claims, *person.pending, cause=cause)
        RECEIVED.labels(submission.channel.value).inc()
        count_understood(complaint.understanding, complaint.duplicate_of)
        return Filed.of(complaint, created=True)

    def customer_of(self, submission: Submission, *, tenant: str) -> str:
        """The canonical id of the person filing (what the quota counts); records nothing."""
        return self.identities.customer_id(tenant, submission)

    def filed_before(
        self, submission: Submission, *, tenant: str, idempotency_key: str | None = None
    ) -> uuid.UUID | None:
        """The complaint this submission already filed (same key or reference), if any."""
        return self._already_filed(tenant, submission_keys(submission, idempotency_key))

    def get_complaint(self, complaint_id: uuid.UUID) -> Complaint:
        """The complaint as intake recorded it (TypeError if the id is not a complaint's)."""
        complaint = self.repository.get(complaint_id)
        if not isinstance(complaint, Complaint):
            raise TypeError(f"{complaint_id} is not a complaint")
        return complaint

    def disclose(self, complaint: Complaint) -> Disclosed:
        """The complaint's personal fields opened with its customer's key, unless erased."""
        tenant, customer = complaint.tenant, complaint.customer

        def open_(sealed: str) -> str:
            plaintext = self.vault.open(tenant, customer["id"], sealed)
            return ERASED if plaintext is None else plaintext

        name, contact = customer.get("name"), customer.get("contact")
        text = self.vault.open(tenant, customer["id"], complaint.text)
        return Disclosed(
            customer_name=None if name is None else open_(name),
            customer_contact=None if contact is None else open_(contact),
            subject=open_(complaint.subject),
            text=ERASED if text is None else text,
            erased=text is None,
        )

    def personal_data_erased(self, complaint: Complaint) -> bool:
        """Whether the key that sealed the complaint's personal data is destroyed (erasure)."""
        return self.vault.open(complaint.tenant, complaint.customer["id"], complaint.text) is None

    def erase_customer(
        self, *, tenant: str, customer_id: str, reason: str, policy_version: str | None = None,
        retention_rule: str | None = None,
    ) -> Erasure:
        """Erase the person under every id and contact point linked to this customer id (the
        retention policy's version and rule recorded when it is the policy that erases)."""
        ids, released = self.identities.erasure(tenant, customer_id)
        why = {"reason": reason, "policy_version": policy_version,
               "retention_rule": retention_rule}
        recorded = [self._erase_id(tenant, id_, **why) for id_ in ids]
        if released:  # only once every key is gone: a retry must still find all the ids
            self.save(*released)
        return Erasure(customer_id, any(recorded))

    def _erase_id(self, tenant: str, customer_id: str, **why: str | None) -> bool:
        """Destroy one customer id's key after recording why; asking again changes nothing."""
        key_id = self.vault.key_id(tenant, customer_id)
        record_id = PersonalData.create_id(tenant, customer_id)
        record = (
            self.repository.get(record_id) if record_id in self.repository
            else PersonalData(tenant, customer_id)
        )
        recorded = not record.is_erased(key_id)
        if recorded:
            # The record is saved first so that a crash before the key is gone is retried.
            record.erase(key_id=key_id, erased_at=datetime.now(UTC), **why)
            try:
                self.save(record)
            except IntegrityError:
                recorded = False  # another replica recorded it at the same moment
        self.vault.erase(tenant, customer_id)
        return recorded

    def close(self) -> None:
        """Close the event store and the key vault."""
        super().close()
        self.vault.close()

    def _person(self, tenant: str, submission: Submission) -> Resolved:
        # Imported history is counted under a person already known, but links nothing.
        if submission.historical:
            return Resolved(self.identities.customer_id(tenant, submission), ())
        return self.identities.resolve(tenant, submission)

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


def sealed_attachment(attachment: Attachment, seal: Callable[[str], str]) -> dict[str, Any]:
    """An attachment as stored: its file name sealed, as a name may say whose file it is."""
    return {**attachment.model_dump(mode="json"), "filename": seal(attachment.filename)}


def sealed_customer(
    customer: Customer, seal: Callable[[str], str], customer_id: str | None = None
) -> dict[str, Any]:
    """The customer as stored: name and contact sealed; tier and region as given; the id the
    person's (customer_id), with the channel's own id beside it when they differ."""
    fields = customer.model_dump(mode="json")
    if customer_id is not None and customer_id != customer.id:
        fields.update(id=customer_id, channel_id=customer.id)
    for name in ("name", "contact"):
        if fields[name] is not None:
            fields[name] = seal(fields[name])
    return fields
