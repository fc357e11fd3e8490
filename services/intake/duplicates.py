"""Near-duplicate text, without keeping the text: normalisation, shingles, MinHash signatures.

A signature is 128 small integers drawn from the text's character shingles; the share of
positions where two signatures agree estimates the Jaccard similarity of the two shingle sets
(about ±0.05 at 0.5). Reordered sentences, changed punctuation or case and a few changed words
keep most shingles; a different complaint shares few. Pure: no I/O, no clock. The text itself
is never kept: only signatures, sealed with the customer's key, in RecentComplaints.
"""

from __future__ import annotations

import base64
import hashlib
import random
import re
import unicodedata
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
from eventsourcing.domain import Aggregate, event

from contracts.envelope import NAMESPACE

PERMUTATIONS = 128
MAX_ENTRIES = 50  # per customer and period: a flood of filings cannot grow the index unbounded
CHUNK = 4096  # shingle hashes per step: 128 x 4096 x 8 bytes, not 200 MB for a 200k text
_rng = random.Random(20240501)  # fixed: signatures are stored, so they must never change
# Multiply-shift hashing: (a*h + b) mod 2^64, top 32 bits; `a` odd. numpy wraps uint64.
_A = np.array([_rng.getrandbits(64) | 1 for _ in range(PERMUTATIONS)], dtype=np.uint64)
_B = np.array([_rng.getrandbits(64) for _ in range(PERMUTATIONS)], dtype=np.uint64)

_NOT_WORD = re.compile(r"[\W_]+")
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_CJK_SPACES = re.compile(r"(?<=[\u3400-\u9fff]) (?=[\u3400-\u9fff])")


def normalise(text: str) -> str:
    """Case, width, punctuation and spacing removed: what is left is what was said."""
    text = unicodedata.normalize("NFKC", text).casefold()
    text = _NOT_WORD.sub(" ", text).strip()
    return _CJK_SPACES.sub("", text)


def shingles(text: str) -> set[str]:
    """Character shingles of the normalised text: 5 letters for alphabetic, 2 for Chinese."""
    norm = normalise(text)
    size = 2 if len(_CJK.findall(norm)) * 2 > len(norm) else 5
    if len(norm) <= size:
        return {norm} if norm else set()
    return {norm[i : i + size] for i in range(len(norm) - size + 1)}


def signature(text: str) -> bytes:
    """The MinHash signature of a text: 128 x 32 bits."""
    grams = shingles(text)
    if not grams:
        return bytes(4 * PERMUTATIONS)
    hashes = np.array(
        [int.from_bytes(hashlib.blake2b(g.encode(), digest_size=8).digest()) for g in grams],
        dtype=np.uint64,
    )
    mins = np.full(PERMUTATIONS, np.iinfo(np.uint64).max, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for start in range(0, len(hashes), CHUNK):
            chunk = hashes[start : start + CHUNK]
            np.minimum(mins, ((np.outer(_A, chunk) + _B[:, None]) >> np.uint64(32)).min(axis=1),
                       out=mins)
    return mins.astype(">u4").tobytes()


def similarity(a: bytes, b: bytes) -> float:
    """Estimated Jaccard similarity of the texts two signatures were made from."""
    x, y = np.frombuffer(a, dtype=">u4"), np.frombuffer(b, dtype=">u4")
    return round(float((x == y).mean()), 3)


def encode(sig: bytes) -> str:
    return base64.b64encode(sig).decode()


def decode(text: str) -> bytes:
    return base64.b64decode(text)


@dataclass(frozen=True)
class Seen:
    """A recent complaint of the same customer, as the duplicate index remembers it."""

    complaint_id: str
    original_id: str  # the complaint it is a duplicate of, or itself
    signature: bytes
    received_at: datetime


@dataclass(frozen=True)
class Match:
    original_id: str
    similarity: float


def find_original(
    sig: bytes, now: datetime, seen: list[Seen], *, window: timedelta, threshold: float
) -> Match | None:
    """The original of the most similar complaint received within the window, if similar enough."""
    best: Match | None = None
    for entry in seen:
        if not now - window <= entry.received_at <= now:
            continue
        score = similarity(sig, entry.signature)
        if score >= threshold and (best is None or score > best.similarity):
            best = Match(entry.original_id, score)
    return best


class RecentComplaints(Aggregate):
    """One customer's complaints of one period, as sealed signatures: the duplicate index.

    Periods are as long as the duplicate window, so a filing consults only this period and the
    one before, and no index ever replays more than one period's complaints. Signatures are
    sealed with the customer's key: erasing the customer makes them meaningless too.
    """

    @staticmethod
    def create_id(tenant: str, customer_id: str, period: int) -> uuid.UUID:
        return uuid.uuid5(NAMESPACE, f"recent-complaints/{tenant}/{customer_id}/{period}")

    @staticmethod
    def period_of(at: datetime, window: timedelta) -> int:
        """The period an instant falls in, for a given window length."""
        return int(at.timestamp() // window.total_seconds())

    @event("Opened")
    def __init__(self, *, tenant: str, customer_id: str, period: int) -> None:
        self.tenant = tenant
        self.customer_id = customer_id
        self.period = period
        self.entries: list[dict] = []

    def note(
        self, *, complaint_id: uuid.UUID, original_id: uuid.UUID, sealed_signature: str,
        received_at: datetime,
    ) -> None:
        """Remember a complaint (and which original it repeats) for later filings."""
        self._noted(
            complaint_id=str(complaint_id), original_id=str(original_id),
            sealed_signature=sealed_signature, received_at=received_at,
        )

    @event("Noted")
    def _noted(
        self, *, complaint_id: str, original_id: str, sealed_signature: str,
        received_at: datetime,
    ) -> None:
        self.entries.append({
            "complaint_id": complaint_id, "original_id": original_id,
            "sealed_signature": sealed_signature, "received_at": received_at,
        })
        del self.entries[:-MAX_ENTRIES]
