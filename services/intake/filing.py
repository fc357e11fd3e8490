"""The one path every HTTP entry files through, and the receipt it answers with."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial

from fastapi import HTTPException, status
from pydantic import BaseModel, Field

from runtime.auth import Principal, Role
from runtime.auth.quota import FilingQuota
from runtime.group_commit import GroupCommit
from runtime.grouping import GroupCall
from runtime.tracking import TrackingTokens
from services.intake.application import Filed, IntakeApplication
from services.intake.domain import Submission
from services.intake.metrics import GROUP_COMMIT_SIZE
from services.intake.understanding import Reading


class Accepted(BaseModel):
    complaint_id: uuid.UUID
    status_url: str = Field(description="Absolute: the complaint for staff (a bearer token), "
                            "at PUBLIC_BASE_URL")
    created: bool = Field(description="False: the key or reference was filed before")
    tracking_token: str = Field(description="For the customer: GET /v1/track/{token}")
    tracking_url: str = Field(description="Absolute: the link to give the customer, at "
                              "PUBLIC_BASE_URL; the token is its only credential")
    category: str | None = Field(description="Classified on filing; None when the complaint "
                                 "repeats an earlier one (see duplicate_of)")
    severity: str | None = Field(description="Classified on filing; None for a duplicate")
    duplicate_of: uuid.UUID | None = Field(
        None, description="The earlier complaint of the same customer this one repeats")


class HistoryRefused(HTTPException):
    """403: only a channel adapter imports history (a backdated complaint runs no SLA clock)."""

    def __init__(self) -> None:
        super().__init__(status.HTTP_403_FORBIDDEN,
                         "historical submissions are filed by channel adapters only")


@dataclass(frozen=True)
class ToFile:
    """One submission to file, with its key."""

    submission: Submission
    idempotency_key: str | None


@dataclass(frozen=True)
class Filer:
    """Files a submission for the caller's tenant, wakes the relay, and writes the receipt."""

    app: IntakeApplication
    on_saved: Callable[[], None]
    tokens: TrackingTokens
    public_url: str  # where callers and customers reach intake: receipts' links start with it
    quota: FilingQuota | None = None
    # Concurrent filings saved in one transaction (runtime.group_commit); built if not given
    commits: GroupCommit | None = None
    # Concurrent filings classified in one call of the models (runtime.grouping): alone, a
    # submission costs the models' per-call overhead, several times its share of a group's.
    readings: GroupCall[Submission, Reading] | None = None

    def __post_init__(self) -> None:
        if self.commits is None:
            object.__setattr__(self, "commits", GroupCommit(
                self.app, on_commit=GROUP_COMMIT_SIZE.observe))
        if self.readings is None:
            object.__setattr__(self, "readings", GroupCall(self.app.read_many))

    def file(self, submission: Submission, idempotency_key: str | None, *,
             caller: Principal) -> Accepted:
        """File once per key or reference; a repeat gets the same receipt and costs no quota."""
        (outcome,) = self.file_many([ToFile(submission, idempotency_key)], caller=caller)
        if isinstance(outcome, HTTPException):
            raise outcome
        return outcome

    def file_many(self, items: Sequence[ToFile], *,
                  caller: Principal) -> list[Accepted | HTTPException]:
        """file() of each, their saves handed to the group commit together (a batch request:
        a few transactions, not one per item); each accepted or refused alone. Any other
        error is raised once every item was answered; what was saved stays saved."""
        outcomes: dict[int, Accepted | HTTPException] = {}
        admitted: dict[int, ToFile] = {}
        for n, item in enumerate(items):
            try:
                admitted[n] = self._admitted(item, caller)
            except HTTPException as refusal:
                outcomes[n] = refusal
        # Classified in the request's thread (with whatever else is filed meanwhile), so that
        # the group's transaction, and its write lock, holds only the store's work. A repeat's
        # reading is not used.
        readings = self.readings.call_all([item.submission for item in admitted.values()])
        results = self.commits.run_all([
            partial(self.app.file_complaint, item.submission, tenant=caller.tenant,
                    idempotency_key=item.idempotency_key, reading=reading)
            for item, reading in zip(admitted.values(), readings, strict=True)])
        self.on_saved()
        for n, (filed, error) in zip(admitted, results, strict=True):
            if error is not None:
                raise error
            outcomes[n] = self._receipt(filed)
        return [outcomes[n] for n in range(len(items))]

    def _admitted(self, item: ToFile, caller: Principal) -> ToFile:
        """The item as it may be filed (quota charged), or its refusal raised."""
        adapter = Role.CHANNEL_ADAPTER in caller.roles
        submission, idempotency_key = item.submission, item.idempotency_key
        if submission.historical and not adapter:
            raise HistoryRefused()
        if submission.verified_contacts and not adapter:
            # Only a channel vouches for a contact point; anyone else's claim merges nobody.
            submission = submission.model_copy(update={"verified_contacts": ()})
        tenant = caller.tenant
        if self.quota is not None and self.app.filed_before(
            submission, tenant=tenant, idempotency_key=idempotency_key
        ) is None:
            # The person, not the channel's id: filing on another channel is no new allowance.
            self.quota.consume(tenant=tenant,
                               customer_id=self.app.customer_of(submission, tenant=tenant))
        return ToFile(submission, idempotency_key)

    def _receipt(self, filed: Filed) -> Accepted:
        token = self.tokens.issue(filed.complaint_id, filed_at=filed.filed_at)
        return Accepted(
            complaint_id=filed.complaint_id,
            status_url=f"{self.public_url}/v1/complaints/{filed.complaint_id}",
            created=filed.created, tracking_token=token,
            tracking_url=f"{self.public_url}/v1/track/{token}",
            category=filed.category, severity=filed.severity, duplicate_of=filed.duplicate_of,
        )
