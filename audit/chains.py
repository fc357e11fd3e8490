"""Each service store's hash chain verified in place: a verdict with no personal data in it.

The verdict names only the service, ok / broken (how, at which position) / missing, the head
and the number of entries, so an auditor without `pii:read` can see whether the stores that
hold a complaint's history are intact (the bundle itself may need `pii:read`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from enum import StrEnum

from pydantic import BaseModel, Field

from runtime import sealing


class Verdict(StrEnum):
    OK = "ok"
    BROKEN = "broken"
    MISSING = "missing"


class ChainVerdict(BaseModel):
    """One service store's chain: intact, broken at a position, or no store to verify."""

    service: str
    verdict: Verdict
    position: int | None = Field(None, description="The first position where it breaks")
    kind: str = Field("", description="How it breaks: modified, deleted, inserted, reordered")
    head: int = 0
    entries: int = 0


def verdict_of(store) -> ChainVerdict:
    """Recompute one store's chain against its events, read together (runtime.sealing)."""
    events, seals = store.snapshot()
    head = seals[-1].position if seals else 0
    found = sealing.find_break(events, seals)
    if found is None:
        return ChainVerdict(service=store.name, verdict=Verdict.OK, head=head,
                            entries=len(seals))
    kind, position, _ = found
    return ChainVerdict(service=store.name, verdict=Verdict.BROKEN, position=position,
                        kind=kind, head=head, entries=len(seals))


def verdicts(stores: Sequence, missing: Iterable[str],
             only: set[str] | None = None) -> list[ChainVerdict]:
    """Every opened store's verdict (or only those named), then the missing stores."""
    found = [verdict_of(s) for s in stores if only is None or s.name in only]
    return found + [ChainVerdict(service=name, verdict=Verdict.MISSING) for name in missing]
