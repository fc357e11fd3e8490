"""Verify a service's audit chain against its events, and export the digest an auditor keeps.

    python -m runtime.sealing verify --url sqlite:///intake.sqlite [--digest seen.json]
    python -m runtime.sealing digest --url postgresql://... [--service intakeapplication]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Protocol

import psycopg
from eventsourcing.persistence import InfrastructureFactory, PersistenceError
from eventsourcing.utils import Environment

from runtime.chain import GENESIS, ChainEntry, event_hash, link
from runtime.eventstore import persistence_env
from runtime.sealed_store import Row

Break = tuple[str, int, str]  # kind, position, detail


class ChainSource(Protocol):
    """A recorder that can read its events and seals together (runtime.sealed_store)."""

    def select_chain(self) -> tuple[list[Row], list[ChainEntry]]: ...


@dataclass(frozen=True)
class VerificationReport:
    """The outcome: `ok`, or the first position where the chain breaks and how."""

    service: str
    result: str  # ok | modified | deleted | inserted | reordered | diverged
    position: int | None
    head: int
    entries: int
    detail: str = ""

    @property
    def ok(self) -> bool:
        """Whether the chain verified."""
        return self.result == "ok"

    def to_json(self) -> str:
        """The report as one line of JSON."""
        return json.dumps(asdict(self), separators=(",", ":"))


def verify(source: Any, digest: dict | None = None, *, service: str | None = None
           ) -> VerificationReport:
    """Recompute the chain of an application's (or recorder's) store; check a digest too."""
    recorder, service = _recorder(source, service)
    events, seals = recorder.select_chain()
    breaks = [b for b in (find_break(events, seals), check_digest(seals, digest)) if b]
    head = seals[-1].position if seals else 0
    if not breaks:
        return VerificationReport(service, "ok", None, head, len(seals))
    kind, position, detail = min(breaks, key=lambda b: b[1])
    return VerificationReport(service, kind, position, head, len(seals), detail)


def digest(source: Any, *, service: str | None = None) -> dict:
    """The head of the chain: {service, position, entry_hash}, for an auditor to keep."""
    recorder, service = _recorder(source, service)
    _, seals = recorder.select_chain()
    head = seals[-1] if seals else ChainEntry(0, GENESIS, GENESIS)
    return {"service": service, "position": head.position, "entry_hash": head.entry_hash}


def find_break(events: Sequence[Row], seals: Sequence[ChainEntry]) -> Break | None:
    """The first position where events and seals disagree, and how, or None."""
    e = s = 0
    while e < len(events) or s < len(seals):
        event = events[e] if e < len(events) else None
        seal = seals[s] if s < len(seals) else None
        if seal is None or (event is not None and event[0] < seal.position):
            return "inserted", event[0], "an event that was never sealed"
        if event is None or seal.position < event[0]:
            return "deleted", seal.position, "a sealed event is missing"
        if found := _mismatch(event, seal, seals) or _broken_link(s, seals):
            return found
        e, s = e + 1, s + 1
    return None


def check_digest(seals: Sequence[ChainEntry], seen: dict | None) -> Break | None:
    """Whether today's chain still extends the chain whose head an auditor saw."""
    if not seen:
        return None
    position, expected = int(seen["position"]), seen["entry_hash"]
    if position == 0:
        return None
    today = next((s for s in seals if s.position == position), None)
    if today is None:
        head = seals[-1].position if seals else 0
        return "deleted", min(position, head + 1), f"the audited head {position} is gone"
    if today.entry_hash != expected:
        return "diverged", position, "the chain was rewritten since the digest was taken"
    return None


def _mismatch(event: Row, seal: ChainEntry, seals: Sequence[ChainEntry]) -> Break | None:
    position, *content = event
    if event_hash(position, *content) == seal.event_hash:
        return None
    for other in seals:
        if other.position != position and event_hash(other.position, *content) == other.event_hash:
            where = min(position, other.position)
            return "reordered", where, f"the event at {position} was sealed at {other.position}"
    return "modified", position, "the event differs from its seal"


def _broken_link(i: int, seals: Sequence[ChainEntry]) -> Break | None:
    seal = seals[i]
    previous = seals[i - 1] if i else ChainEntry(0, GENESIS, GENESIS)
    if link(previous.entry_hash, seal.event_hash) == seal.entry_hash:
        return None
    # Entries that link past their predecessors mean those predecessors were slipped in.
    for k in range(i - 2, -2, -1):
        base = seals[k].entry_hash if k >= 0 else GENESIS
        if link(base, seal.event_hash) == seal.entry_hash:
            return "inserted", seals[k + 1].position, "entries were slipped into the chain"
    following = seals[i + 1] if i + 1 < len(seals) else None
    intact = following is None or link(seal.entry_hash, following.event_hash) == (
        following.entry_hash
    )
    if seal.position - previous.position > 1 and intact:
        return "deleted", previous.position + 1, f"entries before {seal.position} are gone"
    return "modified", seal.position, "the seal does not link to the entry before it"


def _recorder(source: Any, service: str | None) -> tuple[ChainSource, str]:
    recorder = getattr(source, "recorder", source)
    if not hasattr(recorder, "select_chain"):
        raise TypeError(f"{type(recorder).__name__} keeps no audit chain")
    return recorder, service or getattr(source, "name", "") or recorder.chain_table_name


def open_factory(url: str, service: str | None = None) -> InfrastructureFactory:
    """The persistence of an existing store, without creating any table."""
    env = {**persistence_env(url), "CREATE_TABLE": "no"}
    return InfrastructureFactory.construct(Environment(service or "", env))


def main(argv: list[str] | None = None) -> int:
    """CLI: verify a store's chain (exit 0 ok, 1 broken, 2 unreadable) or print its digest."""
    parser = argparse.ArgumentParser(prog="python -m runtime.sealing", description=__doc__)
    parser.add_argument("command", choices=["verify", "digest"])
    parser.add_argument("--url", required=True, help="sqlite:///path or postgresql://...")
    parser.add_argument("--service", help="the application name (PostgreSQL table prefix)")
    parser.add_argument("--digest", type=Path, help="a digest taken earlier, to check against")
    args = parser.parse_args(argv)
    try:
        service = args.service or _service_of(args.url)
        factory = open_factory(args.url, service)
        try:
            recorder = factory.process_recorder()
            if args.command == "digest":
                print(json.dumps(digest(recorder, service=service)))
                return 0
            seen = json.loads(args.digest.read_text()) if args.digest else None
            report = verify(recorder, seen, service=service)
        finally:
            factory.close()
    except (PersistenceError, psycopg.Error, LookupError) as error:
        print(json.dumps({"service": args.service, "result": "error", "detail": str(error)}))
        return 2
    print(report.to_json())
    return 0 if report.ok else 1


def _service_of(url: str) -> str:
    """The SQLite file's stem, or the one service whose chain a PostgreSQL database holds."""
    if url.startswith("sqlite"):
        path = Path(persistence_env(url)["SQLITE_DBNAME"])
        if not path.is_file():
            raise LookupError(f"no event store at {path}")
        return path.stem
    with psycopg.connect(url, connect_timeout=10) as conn:
        names = [r[0] for r in conn.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_name LIKE %s",
            ("%\\_audit\\_chain",),
        )]
    if len(names) != 1:
        raise LookupError(f"name the service with --service; audit chains found: {names}")
    return names[0].removesuffix("_audit_chain")


if __name__ == "__main__":
    sys.exit(main())
