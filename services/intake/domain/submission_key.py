"""The index that makes filing idempotent: an idempotency key or external reference names
the complaint it created."""

from __future__ import annotations

import uuid

from eventsourcing.domain import Aggregate, event

from contracts.envelope import NAMESPACE
from services.intake.domain.stored import StoredAsPackage


class SubmissionKey(StoredAsPackage, Aggregate):
    """Points an idempotency key (or external reference) at the complaint it created."""

    @staticmethod
    def create_id(tenant: str, key: str) -> uuid.UUID:
        return uuid.uuid5(NAMESPACE, f"submission-key/{tenant}/{key}")

    @event("Claimed")
    def __init__(self, tenant: str, key: str, complaint_id: uuid.UUID) -> None:
        self.complaint_id = complaint_id
