"""The bundle and its standalone verifier, on in-memory stores sealed by the platform's code."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from audit.bundle import Unsealed, build, export
from audit.history import AuditTrail, UnknownComplaint
from audit.stores import Record
from contracts.envelope import Envelope
from runtime.chain import GENESIS
from runtime.sealed_store import Row, seal

SAMPLES = Path(__file__).resolve().parents[3] / "contracts" / "samples"
COMPLAINT = "201e730e-1186-5080-a083-198a2bc06e90"
OTHER = "5b0e3f6c-8a2d-4c71-9e44-1f7a2b9c6d03"


def sample(event_type: str, subject: str = COMPLAINT) -> Envelope:
    envelope = Envelope.model_validate_json((SAMPLES / f"{event_type}.json").read_text())
    return envelope.model_copy(update={"subject": subject})


class FakeStore:
    """A service's stored rows, sealed exactly as the sealing recorder seals them."""

    def __init__(self, name: str, events: list[Envelope | None], sealed: int | None = None):
        self.name = name
        self.rows_ = [
            (n, f"00000000-0000-4000-8000-{n:012d}", 1, f"{name}.domain:Event",
             json.dumps({"n": n, "subject": e.subject if e else None}).encode())
            for n, e in enumerate(events, start=1)
        ]
        self.envelopes = dict(zip([r[0] for r in self.rows_], events, strict=True))
        self.seals = seal(GENESIS, self.rows_[:sealed])

    def rows(self) -> list[Row]:
        return self.rows_

    def snapshot(self):
        return self.rows_, self.seals

    def records(self, rows, wanted) -> list[Record]:
        return [Record(self.name, row, self.envelopes[row[0]]) for row in rows
                if self.envelopes[row[0]] is not None and wanted(self.envelopes[row[0]])]


def stores(sealed: int | None = None) -> list[FakeStore]:
    received, other = sample("complaint.received.v1"), sample("complaint.received.v1", OTHER)
    return [
        FakeStore("intake", [other, None, received, other], sealed),
        FakeStore("dispatch", [sample("complaint.assigned.v1"), other]),
        FakeStore("sla", [sample("sla.clock_started.v1", OTHER)]),
    ]


def lines(files: dict[str, bytes], name: str) -> list[dict]:
    return [json.loads(line) for line in files[name].splitlines()]


@pytest.fixture
def bundle_dir(tmp_path) -> Path:
    return export(AuditTrail(stores()), COMPLAINT, tmp_path / "bundle")


def verify(bundle: Path) -> tuple[int, str]:
    result = subprocess.run([sys.executable, "-S", "-E", "audit_verify.py"], cwd=bundle,
                            capture_output=True, text=True, timeout=60)
    return result.returncode, result.stdout


def test_bundle_files():
    files = build(AuditTrail(stores()), COMPLAINT)
    assert sorted(files) == [
        "README.txt", "audit_verify.py", "digest.json", "dispatch/chain.jsonl",
        "events.jsonl", "hashchain.py", "intake/chain.jsonl",
    ]


def test_events_are_the_complaints_only_raw_and_as_published():
    files = build(AuditTrail(stores()), COMPLAINT)
    events = lines(files, "events.jsonl")
    assert [(e["service"], e["position"], e["envelope"]["type"]) for e in events] == [
        ("intake", 3, "complaint.received.v1"), ("dispatch", 1, "complaint.assigned.v1"),
    ]
    raw = stores()[0].rows()[2]
    assert events[0] == {
        "service": "intake", "position": 3, "originator_id": raw[1], "originator_version": 1,
        "topic": "intake.domain:Event", "state": base64.b64encode(raw[4]).decode(),
        "envelope": sample("complaint.received.v1").model_dump(mode="json"),
    }


def test_chains_run_from_the_complaints_first_event_to_the_head():
    intake = stores()[0]
    files = build(AuditTrail(stores()), COMPLAINT)
    assert lines(files, "intake/chain.jsonl") == [
        {"position": s.position, "event_hash": s.event_hash, "entry_hash": s.entry_hash}
        for s in intake.seals[2:]
    ]
    digest = json.loads(files["digest.json"])
    assert digest["chains"]["intake"] == {
        "file": "intake/chain.jsonl", "first_position": 3,
        "previous_entry_hash": intake.seals[1].entry_hash,
    }
    assert digest["chains"]["dispatch"]["previous_entry_hash"] == GENESIS
    assert digest["heads"]["intake"] == {
        "service": "intake", "position": 4, "entry_hash": intake.seals[3].entry_hash,
    }
    assert "sla" not in digest["heads"]


def test_bundle_verifies(bundle_dir):
    assert verify(bundle_dir) == (0, "OK\n")


def test_unknown_complaint():
    with pytest.raises(UnknownComplaint):
        build(AuditTrail(stores()), "nobody")


def test_an_unsealed_event_of_the_complaint_is_refused():
    with pytest.raises(Unsealed, match="intake position 3 has no audit chain entry"):
        build(AuditTrail(stores(sealed=2)), COMPLAINT)


def rewrite(bundle: Path, name: str, change) -> None:
    path = bundle / name
    path.write_bytes(change(path.read_bytes()))


def test_missing_digest(bundle_dir):
    (bundle_dir / "digest.json").unlink()
    code, out = verify(bundle_dir)
    assert (code, out.split(" (")[0]) == (1, "FAIL digest.json: unreadable or incomplete")


def test_missing_chain_file(bundle_dir):
    (bundle_dir / "dispatch" / "chain.jsonl").unlink()
    assert verify(bundle_dir) == (1, "FAIL dispatch/chain.jsonl: missing\n")


def test_cut_off_last_line(bundle_dir):
    rewrite(bundle_dir, "events.jsonl", lambda b: b[:-1])
    assert verify(bundle_dir) == (1, "FAIL events.jsonl:2: the last line is cut off\n")


def test_line_that_is_not_json(bundle_dir):
    rewrite(bundle_dir, "intake/chain.jsonl", lambda b: b"{" + b)
    assert verify(bundle_dir) == (1, "FAIL intake/chain.jsonl:1: not a JSON line\n")


def test_state_that_is_not_base64(bundle_dir):
    rewrite(bundle_dir, "events.jsonl", lambda b: b.replace(b'"state":"', b'"state":"*', 1))
    assert verify(bundle_dir) == (
        1, "FAIL events.jsonl:1: position 3 (intake): state is not base64\n"
    )


def test_head_other_than_the_digests(bundle_dir):
    digest = json.loads((bundle_dir / "digest.json").read_text())
    digest["heads"]["dispatch"]["position"] = 3
    (bundle_dir / "digest.json").write_text(json.dumps(digest))
    assert verify(bundle_dir) == (
        1, "FAIL dispatch/chain.jsonl: the chain ends at position 2, not at the head 3 "
        "that digest.json records\n"
    )


def test_history_breaks_ties_by_service_then_sequence():
    received = sample("complaint.received.v1")
    first = sample("complaint.assigned.v1").model_copy(update={"time": received.time})
    second = first.model_copy(update={"sequence": 2})
    later = first.model_copy(update={"time": received.time + timedelta(seconds=1)})
    trail = AuditTrail([
        FakeStore("intake", [received]), FakeStore("dispatch", [later, second, first]),
    ])
    assert trail.history(COMPLAINT) == [received, first, second, later]
