"""One customer's personal data held by intake, and its erasure (the right to erasure)."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from eventsourcing.domain import Aggregate, event

from contracts.envelope import NAMESPACE
from services.intake.domain.stored import StoredAsPackage


class PersonalData(StoredAsPackage, Aggregate):
    """One customer's personal data held by intake: which of their keys were erased, when."""

    @staticmethod
    def create_id(tenant: str, customer_id: str) -> uuid.UUID:
        return uuid.uuid5(NAMESPACE, f"personal-data/{tenant}/{customer_id}")

    @event("Registered")
    def __init__(self, tenant: str, customer_id: str) -> None:
        self.tenant = tenant
        self.customer_id = customer_id
        self.erased_keys: list[str | None] = []

    def is_erased(self, key_id: str | None) -> bool:
        """Whether erasing this key (None: no key is held) is already on record."""
        return key_id in self.erased_keys if key_id else bool(self.erased_keys)

    def erase(
        self, *, key_id: str | None, erased_at: datetime, reason: str,
        policy_version: str | None = None, retention_rule: str | None = None,
    ) -> None:
        """Record that the key sealing this customer's data is (being) destroyed; an erasure
        the retention policy made names the policy's version and rule."""
        self.check_not_erased(key_id)
        self._erased(
            tenant=self.tenant, customer_id=self.customer_id, key_id=key_id,
            erased_at=erased_at, reason=reason, policy_version=policy_version,
            retention_rule=retention_rule,
        )

    @event("Erased")
    def _erased(
        self, *, tenant: str, customer_id: str, key_id: str | None, erased_at: datetime,
        reason: str, policy_version: str | None = None, retention_rule: str | None = None,
    ) -> None:
        self.erased_keys.append(key_id)

    def check_not_erased(self, key_id: str | None) -> None:
        if self.is_erased(key_id):
            raise AlreadyErased(f"{self.id} already records this erasure")


class ErasureReason(StrEnum):
    """Why a customer is erased; a fixed list, as the reason is published unsealed."""

    CUSTOMER_REQUEST = "customer_request"
    CONSENT_WITHDRAWN = "consent_withdrawn"
    RETENTION_EXPIRED = "retention_expired"
    LEGAL_OBLIGATION = "legal_obligation"


class AlreadyErased(Exception):
    """The erasure of this key is already recorded."""
