"""The hash chain that seals every stored event: each entry commits to the one before it.

Only the standard library is used here, so an auditor's standalone verifier can share
exactly this arithmetic (see `audit_verify.py` in an export bundle).
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass

GENESIS = "0" * 64


@dataclass(frozen=True)
class ChainEntry:
    """The seal of one stored event at one position of a service's notification log."""

    position: int
    event_hash: str
    entry_hash: str


def canonical(
    position: int, originator_id: str, originator_version: int, topic: str, state: bytes
) -> bytes:
    """The byte form of a stored event that its hash is taken over."""
    return json.dumps(
        {
            "position": position,
            "originator_id": str(originator_id),
            "originator_version": originator_version,
            "topic": topic,
            "state": base64.b64encode(state).decode(),
        },
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    ).encode()


def event_hash(
    position: int, originator_id: str, originator_version: int, topic: str, state: bytes
) -> str:
    """SHA-256 of the canonical form of one stored event."""
    return hashlib.sha256(
        canonical(position, originator_id, originator_version, topic, state)
    ).hexdigest()


def link(previous_entry_hash: str, this_event_hash: str) -> str:
    """The entry hash: commits to the previous entry and to this event."""
    return hashlib.sha256((previous_entry_hash + this_event_hash).encode()).hexdigest()
