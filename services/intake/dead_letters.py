"""What intake's dead letters keep of a raw submission: complaints.inbound.v1 carries personal
data in plaintext, and a dead letter is kept 90 days, so a letter keeps it only sealed with the
customer's key (erasing the customer makes the letter unreadable) or not at all.

A letter whose submission names its tenant and customer keeps
`{"sealed": {"tenant", "customer_id", "value": "pii:v1:..."}}`; `python -m runtime.redrive`
publishes that back to the inbound topic and `opened` turns it into the submission again
(None once the customer is erased). Anything else (not JSON, no customer) keeps only
`withheld:sha256:<hex>`: the channel adapter has to send it again.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from contracts.topics import INBOUND
from runtime.deadletters import WITHHELD
from runtime.vault import KeyVault, is_sealed
from services.intake.customer_ids import normalise_customer_id

FRAME = "sealed"


class SealedSubmissions:
    """runtime.deadletters.Payloads for intake: raw submissions sealed with their customer's
    key; every other topic's values (sealed by their producers) as they came."""

    def __init__(self, vault: KeyVault) -> None:
        self.vault = vault

    def kept(self, topic: str, value: bytes | None) -> str:
        """The dead letter's value: a submission sealed, or withheld."""
        text = (value or b"").decode("utf-8", errors="replace")
        if topic != INBOUND.name or _frame(value) is not None:
            return text
        owner = _owner(value)
        if owner is None:
            return WITHHELD + hashlib.sha256(value or b"").hexdigest()
        tenant, customer_id = owner
        sealed = self.vault.seal(tenant, customer_id, text)
        return json.dumps({FRAME: {"tenant": tenant, "customer_id": customer_id,
                                   "value": sealed}})

    def opened(self, topic: str, value: bytes | None) -> bytes | None:
        """A re-driven letter's submission in plaintext (None once erased); others as sent."""
        frame = _frame(value) if topic == INBOUND.name else None
        if frame is None:
            return value
        plaintext = self.vault.open(frame["tenant"], frame["customer_id"], frame["value"])
        return None if plaintext is None else plaintext.encode()


def _json(value: bytes | None) -> Any:
    try:
        return json.loads(value or b"")
    except (ValueError, TypeError):
        return None


def _frame(value: bytes | None) -> dict[str, str] | None:
    raw = _json(value)
    frame = raw.get(FRAME) if isinstance(raw, dict) and len(raw) == 1 else None
    if isinstance(frame, dict) and all(isinstance(frame.get(k), str)
                                       for k in ("tenant", "customer_id", "value")):
        return frame if is_sealed(frame["value"]) else None
    return None


def _owner(value: bytes | None) -> tuple[str, str] | None:
    """The (tenant, customer id) a raw submission names, when it names both."""
    raw = _json(value)
    data = raw.get("data") if isinstance(raw, dict) else None
    tenant = raw.get("tenant") if isinstance(raw, dict) else None
    customer_id = data.get("customer_id") if isinstance(data, dict) else None
    if not (isinstance(tenant, str) and tenant and isinstance(customer_id, str)):
        return None
    try:
        customer_id = normalise_customer_id(customer_id)
    except ValueError:
        return None
    return (tenant, customer_id) if customer_id else None
