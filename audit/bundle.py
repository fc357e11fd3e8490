"""Exports one complaint's audit bundle, which an auditor verifies without the platform.

A bundle holds the complaint's stored events in their raw form (what the chain seals) with
their published envelopes for reading, each service's chain from the complaint's first event
to the head, digest.json with the heads, and a verifier that needs only Python.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import zipfile
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import runtime.chain
from audit.history import AuditTrail, about, candidates
from audit.stores import Record
from contracts.envelope import Envelope
from runtime.chain import GENESIS, ChainEntry

FORMAT = "complaint-audit-bundle/1"
VERIFIER = Path(__file__).with_name("audit_verify.py")
README = """\
Audit bundle of complaint {complaint_id}, exported {exported_at}.

Verify it with Python 3 alone (nothing else is needed):

    python3 audit_verify.py

events.jsonl         the complaint's stored events, raw (base64 state) and as published
<service>/chain.jsonl that service's hash chain from the complaint's first event to its head
digest.json          each chain's head and the SHA-256 of every line above
audit_verify.py      the verifier; hashchain.py is the platform's own hash arithmetic

Compare the heads in digest.json with a digest the platform gives you independently
(python -m runtime.sealing digest): equal heads mean the same chain, with these events in it.
Personal data in the events is sealed with the customer's key; this bundle never opens it.
"""


class Unsealed(RuntimeError):
    """A stored event of the complaint has no chain entry, so it cannot be verified."""


def build(trail: AuditTrail, complaint_id: str) -> dict[str, bytes]:
    """The bundle's files by relative path."""
    wanted, found, seals_of = candidates(complaint_id), [], {}
    for store in trail.stores:
        rows, seals_of[store.name] = store.snapshot()  # events and seals read together
        found += store.records(rows, wanted)
    records = about(complaint_id, found)
    chains = {
        service: excerpt(service, seals, [r for r in records if r.service == service])
        for service, seals in seals_of.items()
        if any(r.service == service for r in records)
    }
    exported_at = datetime.now(UTC).isoformat().replace("+00:00", "Z")
    files = {"events.jsonl": jsonl(event_line(r) for r in trail.in_history_order(records))}
    for service, (_, entries) in chains.items():
        files[chain_file(service)] = jsonl(
            {"position": e.position, "event_hash": e.event_hash, "entry_hash": e.entry_hash}
            for e in entries
        )
    digest = {
        "format": FORMAT,
        "complaint_id": complaint_id,
        "exported_at": exported_at,
        "heads": {s: {"service": s, "position": entries[-1].position,
                      "entry_hash": entries[-1].entry_hash}
                  for s, (_, entries) in chains.items()},
        "chains": {s: {"file": chain_file(s), "first_position": entries[0].position,
                       "previous_entry_hash": previous}
                   for s, (previous, entries) in chains.items()},
        "lines": {name: [hashlib.sha256(line).hexdigest() for line in content.split(b"\n")[:-1]]
                  for name, content in files.items()},
    }
    files["digest.json"] = (json.dumps(digest, indent=2) + "\n").encode()
    files["audit_verify.py"] = VERIFIER.read_bytes()
    files["hashchain.py"] = Path(runtime.chain.__file__).read_bytes()
    files["README.txt"] = README.format(
        complaint_id=complaint_id, exported_at=exported_at
    ).encode()
    return files


def excerpt(
    service: str, seals: Sequence[ChainEntry], records: Sequence[Record]
) -> tuple[str, list[ChainEntry]]:
    """The entry hash before the complaint's first event, and the entries from it to the head."""
    sealed = {seal.position for seal in seals}
    for record in records:
        if record.position not in sealed:
            raise Unsealed(f"{service} position {record.position} has no audit chain entry")
    first = min(record.position for record in records)
    start = next(i for i, seal in enumerate(seals) if seal.position == first)
    previous = seals[start - 1].entry_hash if start else GENESIS
    return previous, list(seals[start:])


def event_line(record: Record) -> dict[str, Any]:
    position, originator_id, version, topic, state = record.row
    return {
        "service": record.service, "position": position, "originator_id": originator_id,
        "originator_version": version, "topic": topic,
        "state": base64.b64encode(bytes(state)).decode(),
        "envelope": record.envelope.model_dump(mode="json"),
    }


def envelopes(files: dict[str, bytes]) -> list[Envelope]:
    """The published envelopes of a bundle's events."""
    return [Envelope.model_validate(json.loads(line)["envelope"])
            for line in files["events.jsonl"].splitlines()]


def chain_file(service: str) -> str:
    return f"{service}/chain.jsonl"


def jsonl(objects: Iterable[dict[str, Any]]) -> bytes:
    return b"".join(json.dumps(o, separators=(",", ":")).encode() + b"\n" for o in objects)


def to_zip(files: dict[str, bytes], folder: str) -> bytes:
    """The bundle as a zip archive whose files sit in one folder."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in sorted(files.items()):
            archive.writestr(f"{folder}/{name}", content)
    return buffer.getvalue()


def export(trail: AuditTrail, complaint_id: str, out: Path) -> Path:
    """Write the bundle to a new directory, or to a .zip archive; never over existing files."""
    files = build(trail, complaint_id)
    if out.exists():
        raise FileExistsError(f"{out} exists; an export never overwrites evidence")
    if out.suffix == ".zip":
        out.write_bytes(to_zip(files, folder=f"audit-{complaint_id}"))
        return out
    for name, content in files.items():
        path = out / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    return out
