"""The what-if command replays a recorded history under a draft; counts checked by hand."""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import yaml

from contracts.envelope import DomainEvent, correlation_for, wrap
from contracts.intake import Channel, ComplaintClassified, ComplaintReceived
from contracts.resolution import FirstResponseSent
from services.sla.application import SlaApplication
from services.sla.catalog import DEFAULT_POLICY_FILE
from services.sla.tools.rehearse import main
from tests.unit.sla.conftest import T0, cst, fact

UNTIL = T0 + timedelta(days=4)  # Friday 7 March, 10:00 in Beijing


def envelope(event: DomainEvent, at: datetime, seq: int) -> str:
    return wrap(event, source="/services/test", subject=event.complaint_id, sequence=seq,
                tenant="default", correlation_id=correlation_for(event.complaint_id),
                aggregate_id=f"{event.complaint_id}/{uuid.uuid4()}", time=at).model_dump_json()


def complaint(cid: str, received: datetime, severity: str, responded: datetime | None):
    lines = [
        envelope(ComplaintReceived(complaint_id=cid, channel=Channel.WEB, customer_id="c",
                                   subject="s", text="t", received_at=received), received, 1),
        envelope(ComplaintClassified(complaint_id=cid, category="general", severity=severity,
                                     confidence=0.9), received + timedelta(seconds=1), 2),
    ]
    if responded:
        lines.append(envelope(FirstResponseSent(complaint_id=cid, responder="agent-1",
                                                sent_at=responded), responded, 1))
    return lines


@pytest.fixture
def history(tmp_path: Path) -> Path:
    lines = [
        *complaint("A", T0, "P1", T0 + timedelta(minutes=20)),  # within 30 min, not 15
        *complaint("B", T0, "P1", T0 + timedelta(minutes=10)),  # within both
        *complaint("C", T0, "P2", cst(3, 11, 30)),  # 1.5 office hours: within 2 h, not 1 h
        *complaint("D", T0, "P3", None),  # never answered: 24 office hours end Wed 16:00
        '{"not": "an envelope"}',
    ]
    path = tmp_path / "history.jsonl"
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture
def draft(tmp_path: Path) -> Path:
    policy = yaml.safe_load(DEFAULT_POLICY_FILE.read_text())
    policy["version"] = "2-draft"
    policy["tiers"]["P1"]["targets"]["first_response"] = {"within": "15m"}
    policy["tiers"]["P2"]["targets"]["first_response"] = {"within": "1h"}
    path = tmp_path / "draft.yaml"
    path.write_text(yaml.safe_dump(policy, allow_unicode=True))
    return path


def row(clocks: int, base: int, draft: int) -> dict:
    return {"clocks": clocks, "baseline_breaches": base, "baseline_rate": round(base / clocks, 4),
            "draft_breaches": draft, "draft_rate": round(draft / clocks, 4),
            "change": draft - base}


def test_a_draft_with_shorter_first_responses_breaches_a_and_c_too(history, draft, capsys):
    assert main(["--policy", str(draft), "--events", str(history), "--until",
                 UNTIL.isoformat(), "--json"]) == 0

    report = json.loads(capsys.readouterr().out)
    # By hand, by 7 March: A and B never resolved their P1 (2 h) -> 2 breaches either way;
    # C's P2 resolution (24 office hours, Wed 16:00) breaches either way; D's P3 first
    # response breaches either way, its progress (Thu 13 March) not yet. The draft adds A's
    # first response (20 min > 15) and C's (1.5 h > 1 h).
    assert report["by_severity"] == {"P1": row(4, 2, 3), "P2": row(2, 1, 2), "P3": row(2, 1, 1)}
    assert report["by_clock"] == {
        "first_response": row(4, 1, 3), "progress": row(1, 0, 0), "resolution": row(3, 3, 3),
    }
    assert report["total"] == row(8, 4, 6)
    assert (report["complaints"], report["baseline_policy"], report["draft_policy"]) == (
        4, "default@1.1", "default@2-draft")


def test_the_table_reads_the_same_numbers(history, draft, capsys):
    main(["--policy", str(draft), "--events", str(history), "--until", UNTIL.isoformat()])

    out = capsys.readouterr().out
    assert "P1                            4         2   50.0%      3   75.0%      +1" in out
    assert "total                         8         4   50.0%      6   75.0%      +2" in out


def test_it_replays_the_sla_event_store_as_well(app: SlaApplication, draft, capsys, tmp_path):
    app.record(fact("received", T0, complaint_id="A"))
    app.record(fact("classified", T0, complaint_id="A", severity="P1", category="x"))
    app.record(fact("milestone", T0 + timedelta(minutes=20), complaint_id="A",
                    milestone="responded"))
    url = f"sqlite:///{tmp_path}/sla.sqlite"

    main(["--policy", str(draft), "--store", url, "--until", UNTIL.isoformat(), "--json"])

    report = json.loads(capsys.readouterr().out)
    assert report["by_clock"] == {"first_response": row(1, 0, 1), "resolution": row(1, 1, 1)}
