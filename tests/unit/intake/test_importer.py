"""The CFPB importer over HTTP (in-process) and the inbound envelopes it publishes on Kafka."""

from __future__ import annotations

import csv
import io
from collections import Counter
from contextlib import nullcontext
from pathlib import Path

import jwt
import pytest
from fastapi.testclient import TestClient

from contracts.inbound import ComplaintSubmitted
from contracts.registry import parse
from contracts.topics import INBOUND
from runtime.inbox import Inbox
from services.intake.bootstrap import bootstrap
from services.intake.channels import cfpb
from services.intake.config import IntakeSettings
from services.intake.domain import MAX_TEXT_LENGTH, Complaint
from services.intake.handlers import SUBSCRIPTIONS
from services.intake.tools import importer
from tests.auth_tokens import bearer
from tests.unit.intake.cfpb_sample import cfpb_rows

ROWS = cfpb_rows()
SOME = ROWS[:100] + [r for r in ROWS[100:] if r["Complaint ID"] in ("236456", "7399329")]


def write_csv(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=list(ROWS[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


@pytest.fixture
def intake(tmp_path, tokens):
    http, runtime = bootstrap(IntakeSettings(data_dir=tmp_path, service="intake-import-test",
                                             **tokens.settings))
    # The importer is a channel adapter: only adapters file history.
    yield TestClient(http, headers=bearer(tokens.client(client_id="cfpb"))), runtime.app
    runtime.app.close()


def complaints(app) -> list[Complaint]:
    received = [
        app.mapper.to_domain_event(n) for n in app.recorder.select_notifications(None, 10_000)
        if n.topic.endswith("Complaint.Received")
    ]
    return [app.get_complaint(e.originator_id) for e in received]


def test_http_import_files_every_row_once_with_the_csvs_products(intake, tmp_path):
    client, app = intake
    path = write_csv(tmp_path / "some.csv", SOME)
    posts = []
    client.event_hooks["request"] = [posts.append]

    tally = importer.import_over_http(path, client, historical=True, batch_items=40)

    assert len(SOME) == 101  # 7399329 is among the first hundred
    assert (tally.filed, tally.repeated, sum(tally.refused.values())) == (101, 0, 0)
    assert len(posts) == 3  # 40 + 40 + 21
    filed = complaints(app)
    assert len(filed) == 101
    assert Counter(c.product for c in filed) == Counter(r["Product"] for r in SOME)
    assert {c.external_reference for c in filed} == {f"cfpb:{r['Complaint ID']}" for r in SOME}
    assert all(c.historical and c.channel == "cfpb" for c in filed)
    disputed = next(c for c in filed if c.external_reference == "cfpb:236456")
    assert (disputed.received_at.isoformat(), disputed.channel_detail) == (
        "2013-01-16T00:00:00+00:00", "Referral"
    )
    assert disputed.history["consumer_disputed"] is True


def test_importing_again_files_nothing_new(intake, tmp_path):
    client, app = intake
    path = write_csv(tmp_path / "some.csv", SOME[:30])
    importer.import_over_http(path, client, historical=False)
    events = len(app.recorder.select_notifications(None, 10_000))

    again = importer.import_over_http(path, client, historical=False)

    assert (again.filed, again.repeated) == (0, 30)
    assert len(app.recorder.select_notifications(None, 10_000)) == events


def test_batches_also_split_by_size(intake, tmp_path):
    client, _ = intake
    path = write_csv(tmp_path / "some.csv", SOME[:10])
    posts = []
    client.event_hooks["request"] = [posts.append]

    tally = importer.import_over_http(path, client, historical=False, batch_bytes=1)

    assert tally.filed == 10
    assert len(posts) == 10  # an item over the byte budget still goes, alone


def test_rows_that_cannot_be_mapped_are_refused_alone(intake, tmp_path):
    client, _ = intake
    bad_date = {**SOME[0], "Date received": "25/08/2023"}
    too_long = {**SOME[1], "Consumer complaint narrative": "x" * (MAX_TEXT_LENGTH + 1)}
    path = write_csv(tmp_path / "bad.csv", [bad_date, too_long, *SOME[2:5]])

    tally = importer.import_over_http(path, client, historical=True)

    assert (tally.filed, dict(tally.refused)) == (
        3, {"unreadable_row": 1, "string_too_long": 1}
    )
    assert tally.summary() == (
        "3 filed, 0 already filed, 2 refused (unreadable_row: 1, string_too_long: 1)"
    )


def test_the_command_imports_over_http_and_draws_progress(
    intake, tmp_path, tokens, monkeypatch, capsys
):
    client, _ = intake
    path = write_csv(tmp_path / "some.csv", SOME[:5])
    sent = []

    def connect(base_url, timeout, headers):
        sent.append(headers)
        return nullcontext(client)

    monkeypatch.setattr(importer.httpx, "Client", connect)
    monkeypatch.setenv("AUTH_DIR", str(tokens.directory))

    assert importer.main([str(path), "--url", "http://testserver", "--tenant", "acme"]) == 0

    out, err = capsys.readouterr()
    assert out == "5 filed, 0 already filed, 0 refused\n"
    assert err.startswith("\rsome.csv [##############################] 5/5 100%")
    assert err.endswith(" rows/s\n")
    [headers] = sent
    claims = jwt.decode(headers["Authorization"].removeprefix("Bearer "),
                        options={"verify_signature": False})
    assert (claims["sub"], claims["tenant"], claims["roles"]) == (
        "cfpb-importer", "acme", ["channel_adapter"])


def test_progress_bar_is_drawn_on_one_line():
    stream = io.StringIO()
    progress = importer.Progress(4, "rows", stream=stream, width=8)
    progress.advance(2)
    progress.advance(2)
    progress.close()
    lines = stream.getvalue().split("\r")
    assert lines[0] == ""
    assert lines[1].startswith("rows [####    ] 2/4  50% ")
    assert lines[-1].startswith("rows [########] 4/4 100% ")
    assert lines[-1].endswith(" rows/s\n")
    assert "\n" not in "".join(lines[:-1])


@pytest.mark.parametrize("historical", [False, True])
def test_the_inbound_envelope_files_the_same_complaint_as_http(intake, historical):
    _, app = intake
    row = next(r for r in ROWS if r["Complaint ID"] == "236456")
    submission = cfpb.normalise(row, historical=historical)

    envelope = importer.inbound("236456", submission, "acme")
    again = importer.inbound("236456", submission, "acme")
    parsed_envelope, event = parse(envelope.model_dump_json())
    Inbox(app=app, consumer="intake", handlers=SUBSCRIPTIONS[INBOUND]).process(
        parsed_envelope, event
    )

    assert again.id == envelope.id  # a re-import is a redelivery, not a new message
    assert isinstance(event, ComplaintSubmitted)
    assert (envelope.subject, envelope.tenant, event.idempotency_key) == (
        "cfpb-236456", "acme", "cfpb:236456"
    )
    [complaint] = complaints(app)
    assert (complaint.tenant, complaint.historical, complaint.product) == (
        "acme", historical, "Mortgage"
    )
    assert complaint.history == (
        None if not historical else {
            "sent_to_company_at": submission.history.sent_to_company_at,
            "company_response": "Closed with explanation", "company_public_response": None,
            "timely": True, "consumer_disputed": True, "tags": [],
            "issue": "Loan modification,collection,foreclosure", "sub_issue": None,
        }
    )
