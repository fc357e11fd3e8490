"""The one path every HTTP entry files through, and the receipt it answers with."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass

from pydantic import BaseModel, Field

from services.intake.application import IntakeApplication
from services.intake.domain import Submission
from services.intake.tracking import TrackingTokens


class Accepted(BaseModel):
    complaint_id: uuid.UUID
    status_url: str
    created: bool = Field(description="False: the key or reference was filed before")
    tracking_token: str = Field(description="For the customer: GET /v1/track/{token}")
    tracking_url: str


@dataclass(frozen=True)
class Filer:
    """Files a submission for one tenant, wakes the relay, and writes the receipt."""

    app: IntakeApplication
    tenant: str
    on_saved: Callable[[], None]
    tokens: TrackingTokens

    def file(self, submission: Submission, idempotency_key: str | None) -> Accepted:
        """File once per key or reference; a repeat gets the same receipt."""
        filed = self.app.file_complaint(
            submission, tenant=self.tenant, idempotency_key=idempotency_key
        )
        self.on_saved()
        token = self.tokens.issue(filed.complaint_id)
        return Accepted(
            complaint_id=filed.complaint_id, status_url=f"/v1/complaints/{filed.complaint_id}",
            created=filed.created, tracking_token=token, tracking_url=f"/v1/track/{token}",
        )
