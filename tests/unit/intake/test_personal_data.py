"""Personal data is stored and published sealed; erasing a customer makes it unreadable."""

from __future__ import annotations

import json
import logging
import sqlite3
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from contracts.intake import ComplaintClassified, ComplaintReceived, CustomerErased
from contracts.registry import parse
from contracts.topics import INBOUND
from runtime.auth.db import SqliteDatabase
from runtime.auth.pii_log import PiiAccessLog
from runtime.eventstore import persistence_env
from runtime.inbox import Inbox, Rejected
from runtime.logs import JsonFormatter
from runtime.sealing import verify
from runtime.vault import KeyVault, is_sealed
from services.intake.api import build_router
from services.intake.application import ERASED, IntakeApplication
from services.intake.domain import MAX_TEXT_LENGTH
from services.intake.handlers import SUBSCRIPTIONS
from services.intake.published import translator

NAME, CONTACT = "Zhang Xiaoming 张小明", "zhang.xiaoming@example.cn"
SUBJECT = "Blender refund for order 88-4411 never arrived"
TEXT = "I returned the blender to the Xuhui store on 3 May and nothing was refunded."
PERSONAL = (NAME, CONTACT, SUBJECT, TEXT)
PUBLIC_URL = "https://complaints.example"
SUBMISSION = {
    "channel": "email",
    "customer": {"id": "cust-7", "name": NAME, "contact": CONTACT, "region": "SH"},
    "subject": SUBJECT,
    "text": TEXT,
}


@pytest.fixture
def db(tmp_path) -> Path:
    return tmp_path / "intake.sqlite"


@pytest.fixture
def app(db):
    url = f"sqlite:///{db}"
    app = IntakeApplication(env=persistence_env(url), vault=KeyVault.from_url(url))
    yield app
    app.close()


@pytest.fixture
def client(app, tokens, tmp_path):
    log = PiiAccessLog(SqliteDatabase(str(tmp_path / "pii.sqlite")))
    api = tokens.app(build_router(app, on_saved=lambda: None, pii_log=log,
                                  public_url=PUBLIC_URL))
    return TestClient(api, headers=tokens.headers(tenant="acme"))


def file(client, **changes) -> str:
    response = client.post("/v1/complaints", json={**SUBMISSION, **changes})
    assert response.status_code == 202, response.text
    return response.json()["complaint_id"]


def erase(client, customer_id="cust-7", reason="customer_request"):
    return client.post(f"/v1/customers/{customer_id}/erasure", json={"reason": reason})


def stored_rows(db: Path) -> list[tuple]:
    with sqlite3.connect(db) as connection:
        return connection.execute(
            "SELECT originator_id, originator_version, topic, state FROM stored_events"
            " ORDER BY rowid"
        ).fetchall()


def database_bytes(db: Path) -> bytes:
    # WAL mode: recent pages live in the -wal file until a checkpoint.
    return b"".join(p.read_bytes() for p in sorted(db.parent.glob(db.name + "*")))


def published(app) -> list:
    translate = translator(source="/services/intake")
    notifications = app.recorder.select_notifications(None, 100)
    envelopes = [translate(app.mapper.to_domain_event(n)) for n in notifications]
    return [parse(e.model_dump_json()) for e in envelopes if e is not None]


def test_personal_fields_never_reach_the_database_in_plaintext(client, app, db):
    file(client)

    content = database_bytes(db)
    for plaintext in PERSONAL:
        assert plaintext.encode() not in content, plaintext
    assert b"pii:v1:" in content
    assert b"cust-7" in content  # not personal: the search looks in the right file


def test_the_stored_event_holds_sealed_values(client, app):
    complaint = app.get_complaint(uuid.UUID(file(client)))

    sealed = (
        complaint.customer["name"], complaint.customer["contact"], complaint.subject,
        complaint.text,
    )
    assert all(is_sealed(value) for value in sealed), sealed
    assert (complaint.customer["id"], complaint.customer["region"]) == ("cust-7", "SH")


def test_published_received_event_carries_the_sealed_values(client, app):
    complaint_id = file(client)

    [(envelope, event), (classified_envelope, classified)] = published(app)

    assert isinstance(event, ComplaintReceived)
    assert isinstance(classified, ComplaintClassified)
    assert envelope.subject == complaint_id
    for value in (event.customer_name, event.customer_contact, event.subject, event.text):
        assert is_sealed(value), value
    text = envelope.model_dump_json() + classified_envelope.model_dump_json()
    for plaintext in PERSONAL:
        assert plaintext not in text


def test_intake_shows_plaintext_before_erasure_and_erased_after(client):
    complaint_id = file(client)

    before = client.get(f"/v1/complaints/{complaint_id}").json()
    assert erase(client).status_code == 200
    after = client.get(f"/v1/complaints/{complaint_id}").json()

    personal = ("customer_name", "customer_contact", "subject", "text")
    assert [before[k] for k in personal] == list(PERSONAL)
    assert before["personal_data_erased"] is False
    assert [after[k] for k in personal] == [ERASED] * 4
    assert after["personal_data_erased"] is True
    assert (after["customer_id"], after["status"], after["channel"]) == (
        "cust-7", "received", "email"
    )


def test_absent_contact_stays_absent_after_erasure(client):
    complaint_id = file(client, customer={"id": "cust-7"})
    erase(client)

    view = client.get(f"/v1/complaints/{complaint_id}").json()

    assert (view["customer_name"], view["customer_contact"], view["text"]) == (
        None, None, ERASED
    )


def test_erasure_is_recorded_and_published_as_customer_erased(client, app):
    file(client)

    asked = datetime.now(UTC)
    response = erase(client)

    assert response.json() == {"customer_id": "cust-7", "recorded": True}
    envelope, event = published(app)[-1]
    assert isinstance(event, CustomerErased)
    assert envelope.type == "customer.erased.v1"
    assert envelope.tenant == "acme"
    assert (event.customer_id, event.reason) == ("cust-7", "customer_request")
    assert asked <= event.erased_at <= envelope.time


def test_erasure_leaves_every_stored_event_byte_identical(client, app, db):
    file(client)
    file(client, customer={"id": "cust-8", "name": "Wang Fang"})
    before = stored_rows(db)

    erase(client)

    assert stored_rows(db)[: len(before)] == before
    assert len(stored_rows(db)) == len(before) + 2  # the erasure record: registered, erased
    report = verify(app)
    assert (report.result, report.entries) == ("ok", len(before) + 2)


def test_erasing_twice_is_harmless(client, app):
    complaint_id = file(client)
    erase(client)
    events = len(published(app))

    again = erase(client)

    assert again.status_code == 200
    assert again.json() == {"customer_id": "cust-7", "recorded": False}
    assert len(published(app)) == events
    assert client.get(f"/v1/complaints/{complaint_id}").json()["text"] == ERASED


def test_a_returning_customer_is_readable_until_erased_again(client, app):
    old = file(client)
    erase(client)

    new = file(client, text="Second complaint, after the erasure.")

    assert client.get(f"/v1/complaints/{old}").json()["text"] == ERASED
    assert client.get(f"/v1/complaints/{new}").json()["text"] == (
        "Second complaint, after the erasure."
    )
    assert erase(client).json()["recorded"] is True
    assert client.get(f"/v1/complaints/{new}").json()["text"] == ERASED
    assert [type(e).__name__ for _, e in published(app)].count("CustomerErased") == 2


def test_erasure_of_a_customer_with_no_data_is_still_on_record_once(client, app):
    assert erase(client, "cust-unknown").json()["recorded"] is True
    assert erase(client, "cust-unknown").json()["recorded"] is False
    assert [type(e).__name__ for _, e in published(app)] == ["CustomerErased"]


@pytest.mark.parametrize("reason", ["", "asked by Zhang Xiaoming on the phone", None])
def test_erasure_reason_is_one_of_a_fixed_list_because_it_is_published_unsealed(
    client, app, reason
):
    assert erase(client, reason=reason).status_code == 422
    assert published(app) == []


def test_one_customers_erasure_leaves_others_readable(client):
    file(client)
    other = file(client, customer={"id": "cust-8", "name": "Wang Fang"})

    erase(client)

    assert client.get(f"/v1/complaints/{other}").json()["customer_name"] == "Wang Fang"


def test_nothing_personal_is_logged_while_filing_reading_and_erasing(client, app, caplog):
    caplog.set_level(logging.DEBUG)
    complaint_id = file(client)
    client.get(f"/v1/complaints/{complaint_id}")
    erase(client)
    envelope, event = parse(json.dumps(submitted_sample()))
    Inbox(app=app, consumer="intake", handlers=SUBSCRIPTIONS[INBOUND]).process(envelope, event)

    formatter = JsonFormatter("intake")
    logged = "\n".join(formatter.format(record) for record in caplog.records)
    for plaintext in (*PERSONAL, *submitted_personal()):
        assert plaintext not in logged


def test_a_rejected_submission_names_the_field_but_not_its_content(app):
    raw = submitted_sample()
    raw["data"]["text"] = "Call me on 139 1234 5678 " + "x" * MAX_TEXT_LENGTH
    envelope, event = parse(json.dumps(raw))

    with pytest.raises(Rejected) as rejected:
        Inbox(app=app, consumer="intake", handlers=SUBSCRIPTIONS[INBOUND]).process(
            envelope, event
        )

    assert str(rejected.value) == "text: String should have at most 1000000 characters"


def submitted_sample() -> dict:
    path = Path(__file__).resolve().parents[3] / "contracts/samples/complaint.submitted.v1.json"
    return json.loads(path.read_text(encoding="utf-8"))


def submitted_personal() -> tuple[str, ...]:
    data = submitted_sample()["data"]
    return tuple(data[k] for k in ("customer_name", "customer_contact", "subject", "text"))
