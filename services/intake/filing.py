"""The one path every HTTP entry files through, and the receipt it answers with."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass

from fastapi import HTTPException, status
from pydantic import BaseModel, Field

from runtime.auth import Principal, Role
from runtime.auth.quota import FilingQuota
from services.intake.application import IntakeApplication
from services.intake.domain import Submission
from services.intake.tracking import TrackingTokens


class Accepted(BaseModel):
    complaint_id: uuid.UUID
    status_url: str
    created: bool = Field(description="False: the key or reference was filed before")
    tracking_token: str = Field(description="For the customer: GET /v1/track/{token}")
    tracking_url: str


class HistoryRefused(HTTPException):
    """403: only a channel adapter imports history (a backdated complaint runs no SLA clock)."""

    def __init__(self) -> None:
        super().__init__(status.HTTP_403_FORBIDDEN,
                         "historical submissions are filed by channel adapters only")


@dataclass(frozen=True)
class Filer:
    """Files a submission for the caller's tenant, wakes the relay, and writes the receipt."""

    app: IntakeApplication
    on_saved: Callable[[], None]
    tokens: TrackingTokens
    quota: FilingQuota | None = None

    def file(self, submission: Submission, idempotency_key: str | None, *,
             caller: Principal) -> Accepted:
        """File once per key or reference; a repeat gets the same receipt and costs no quota."""
        if submission.historical and Role.CHANNEL_ADAPTER not in caller.roles:
            raise HistoryRefused()
        tenant = caller.tenant
        if self.quota is not None and self.app.filed_before(
            submission, tenant=tenant, idempotency_key=idempotency_key
        ) is None:
            self.quota.consume(tenant=tenant, customer_id=submission.customer.id)
        filed = self.app.file_complaint(
            submission, tenant=tenant, idempotency_key=idempotency_key
        )
        self.on_saved()
        token = self.tokens.issue(filed.complaint_id)
        return Accepted(
            complaint_id=filed.complaint_id, status_url=f"/v1/complaints/{filed.complaint_id}",
            created=filed.created, tracking_token=token, tracking_url=f"/v1/track/{token}",
        )
