"""Issue #13, point 5: a complaint is never refused for being long. Texts of 200,000 characters
go through every way in (one by one, batches, raw channel payloads, the inbound topic, the CFPB
importer) and are read back whole; only a body over the limit is refused, with a 413 naming it."""

from __future__ import annotations

import csv
import io
import json

import pytest
from fastapi.testclient import TestClient

from contracts.registry import parse
from contracts.topics import DISPATCH_EVENTS, INBOUND
from runtime.inbox import Inbox
from services.intake.bootstrap import bootstrap
from services.intake.classification.classifier import READ_CHARACTERS, shipped
from services.intake.config import IntakeSettings
from services.intake.domain import Complaint, Submission
from services.intake.handlers import SUBSCRIPTIONS
from services.intake.tools import importer
from tests.auth_tokens import Tokens, assigned, bearer
from tests.long_narratives import chinese, english
from tests.problems import reason
from tests.unit.intake.cfpb_sample import cfpb_rows

NARRATIVES = {"zh": chinese(150_000), "en": english(150_000)}
BODY_LIMIT = 4 * 1024 * 1024  # intake's default, not a test setting
COMPLAINT = {"channel": "web", "subject": "洗衣机漏水 / washing machine leaks"}


@pytest.fixture
def intake(tmp_path, tokens: Tokens):
    http, runtime = bootstrap(IntakeSettings(data_dir=tmp_path, service="intake-long-test",
                                             **tokens.settings))
    yield TestClient(http, headers=bearer(tokens.client())), runtime.app
    runtime.app.close()


def read_back(client: TestClient, app, tokens: Tokens, complaint_id: str) -> str:
    """The text as an agent of the department that has the complaint reads it (pii:read)."""
    Inbox(app=app, consumer="intake", handlers=SUBSCRIPTIONS[DISPATCH_EVENTS]).process(
        *assigned(complaint_id, tenant="default", department="billing"))
    agent = bearer(tokens.token("agent", departments=["billing"]))
    answer = client.get(f"/v1/complaints/{complaint_id}", headers=agent)
    assert answer.status_code == 200, answer.text[:300]
    return answer.json()["text"]


def submission(customer: str, text: str) -> dict:
    return {**COMPLAINT, "customer": {"id": customer, "name": "王芳"}, "text": text}


@pytest.mark.parametrize("language", NARRATIVES)
def test_real_complaints_refused_for_their_length_are_filed_and_read_back_whole(
    intake, tokens, language
):
    client, app = intake
    narrative = NARRATIVES[language]

    answer = client.post("/v1/complaints", json=submission(f"long-{language}", narrative))

    assert answer.status_code == 202, answer.text[:300]
    assert read_back(client, app, tokens, answer.json()["complaint_id"]) == narrative


def test_real_complaints_refused_for_their_length_fit_in_one_filing_as_json_escapes(
    intake, tokens
):
    client, app = intake
    narrative = chinese(200_000)
    body = json.dumps(submission("escaped", narrative)).encode()  # \uXXXX: 6 bytes a character

    answer = client.post("/v1/complaints", content=body,
                         headers={"Content-Type": "application/json"})

    assert len(body) > 1_048_576  # over a mebibyte: over Kafka's default message size too
    assert answer.status_code == 202, answer.text[:300]
    assert read_back(client, app, tokens, answer.json()["complaint_id"]) == narrative


def test_real_complaints_refused_for_their_length_pass_the_batch_and_channel_routes(
    intake, tokens
):
    client, app = intake
    batch = client.post("/v1/complaints:batch", json={"items": [
        {"idempotency_key": "long-batch", "submission": submission("batch", NARRATIVES["en"])},
    ]})
    raw = client.post("/v1/channels/web", content=json.dumps(
        {"account_id": "c-long", "message": NARRATIVES["zh"]}
    ).encode(), headers={"Content-Type": "application/json"})

    assert batch.status_code == 200
    [result] = batch.json()["results"]
    assert result["status"] == 202, result
    assert raw.status_code == 202, raw.text[:300]
    filed = result["accepted"]["complaint_id"], raw.json()["complaint_id"]
    assert [read_back(client, app, tokens, c) for c in filed] == [
        NARRATIVES["en"], NARRATIVES["zh"],
    ]


def test_real_complaints_refused_for_their_length_pass_the_inbound_topic(intake, tokens):
    client, app = intake
    long = Submission.model_validate(submission("inbound", NARRATIVES["zh"]))
    envelope, event = parse(importer.inbound("long-1", long, "default").model_dump_json())

    Inbox(app=app, consumer="intake", handlers=SUBSCRIPTIONS[INBOUND]).process(envelope, event)

    [received] = [n for n in app.recorder.select_notifications(None, 100)
                  if n.topic.endswith("Complaint.Received")]
    assert read_back(client, app, tokens, str(received.originator_id)) == NARRATIVES["zh"]


def test_real_complaints_refused_for_their_length_pass_the_cfpb_importer(intake, tokens, tmp_path):
    client, app = intake
    rows = cfpb_rows()
    longest = max(rows, key=lambda r: len(r["Consumer complaint narrative"]))
    longer = {**longest, "Complaint ID": "long-1",
              "Consumer complaint narrative": NARRATIVES["en"]}
    path = tmp_path / "long.csv"
    with path.open("w", encoding="utf-8", newline="") as file:
        file.write(_csv([longest, longer], fieldnames=list(rows[0])))

    tally = importer.import_over_http(path, client, historical=False)

    assert len(longest["Consumer complaint narrative"]) == 4837
    assert (tally.filed, dict(tally.refused)) == (2, {})
    [filed] = [e.originator_id for e in map(app.mapper.to_domain_event,
                                            app.recorder.select_notifications(None, 100))
               if isinstance(e, Complaint.Received) and e.customer["id"] == "cfpb:long-1"]
    assert read_back(client, app, tokens, str(filed)) == NARRATIVES["en"]


def test_real_complaints_refused_for_their_length_only_a_body_over_the_limit_gets_413(intake):
    client, app = intake
    body = json.dumps(submission("huge", "x" * BODY_LIMIT)).encode()

    answer = client.post("/v1/complaints", content=body,
                         headers={"Content-Type": "application/json"})

    assert answer.status_code == 413
    assert reason(answer) == {"detail": f"the request body is larger than {BODY_LIMIT} bytes"}
    assert app.recorder.select_notifications(None, 10) == []


def test_real_complaints_refused_for_their_length_are_classified_by_their_opening():
    # Classifying 200,000 characters would hold the filing for seconds; what the complaint is
    # about is in its opening, and what follows is stored whole but not read by the rules.
    opening = english(READ_CHARACTERS)
    threat = " Someone opened a credit card in my name; I will call a lawyer and the police." * 50

    whole = shipped().classify(subject="Washing machine", text=opening + threat)

    assert whole == shipped().classify(subject="Washing machine", text=opening)
    assert (whole.category, whole.severity, whole.crisis_signals) == (
        "delivery_logistics", "P3", ()
    )


def _csv(rows: list[dict[str, str]], fieldnames: list[str]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=fieldnames)
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()
