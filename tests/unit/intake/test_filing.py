"""Filing a complaint: once per key, with field-level reasons for bad input."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from runtime.auth.db import SqliteDatabase
from runtime.auth.pii_log import PiiAccessLog
from runtime.eventstore import persistence_env
from runtime.vault import KeyVault
from services.intake.api import build_router
from services.intake.application import IntakeApplication
from services.intake.domain import MAX_TEXT_LENGTH

PUBLIC_URL = "https://complaints.example"
VALID = {
    "channel": "email",
    "customer": {"id": "cust-7", "name": "Li Wei", "contact": "+86 138 0000 5678", "tier": "vip"},
    "subject": "Refund not received",
    "text": "I returned the blender on 3 May and the refund has still not arrived.",
    "external_reference": "MAIL-2026-0001",
}


@pytest.fixture
def app(tmp_path):
    url = f"sqlite:///{tmp_path}/intake.sqlite"
    return IntakeApplication(env=persistence_env(url), vault=KeyVault.from_url(url))


@pytest.fixture
def client(app, tokens, tmp_path):
    saved = []
    log = PiiAccessLog(SqliteDatabase(str(tmp_path / "pii.sqlite")))
    api = tokens.app(build_router(app, on_saved=lambda: saved.append(1), pii_log=log,
                                  public_url=PUBLIC_URL))
    return TestClient(api, headers=tokens.headers(tenant="acme"))


def stored_types(app) -> list[str]:
    return [n.topic.rsplit(".", 1)[-1] for n in app.recorder.select_notifications(None, 100)]


def test_same_idempotency_key_five_times_is_one_complaint_and_one_set_of_events(client, app):
    body = {**VALID, "external_reference": None}
    answers = [client.post("/v1/complaints", json=body, headers={"Idempotency-Key": "k1"})
               for _ in range(5)]
    assert [a.status_code for a in answers] == [202] * 5
    assert len({a.json()["complaint_id"] for a in answers}) == 1
    assert stored_types(app) == ["Received", "Classified", "Opened", "Noted", "Claimed"]


def test_same_external_reference_on_same_channel_is_one_complaint(client, app):
    first = client.post("/v1/complaints", json=VALID).json()
    second = client.post("/v1/complaints", json=VALID).json()
    assert first["complaint_id"] == second["complaint_id"]
    assert (first["created"], second["created"]) == (True, False)


def test_accepted_answer_points_at_the_status_url(client):
    accepted = client.post("/v1/complaints", json=VALID).json()
    status = client.get(accepted["status_url"])
    assert status.status_code == 200
    assert status.json()["status"] == "received"
    assert status.json()["channel"] == "email"


def test_unknown_complaint_is_404(client):
    assert client.get("/v1/complaints/00000000-0000-4000-8000-000000000000").status_code == 404


@pytest.mark.parametrize(
    ("change", "location", "error_type"),
    [
        ({"channel": "fax"}, ("body", "channel"), "enum"),
        ({"subject": ""}, ("body", "subject"), "string_too_short"),
        ({"subject": "   "}, ("body", "subject"), "value_error"),
        ({"text": "x" * (MAX_TEXT_LENGTH + 1)}, ("body", "text"), "string_too_long"),
        ({"customer": {"id": ""}}, ("body", "customer", "id"), "string_too_short"),
        ({"customer": {"id": "c", "tier": "gold"}}, ("body", "customer", "tier"), "enum"),
        ({"status": "closed"}, ("body", "status"), "extra_forbidden"),
        ({"occurred_at": "yesterday"}, ("body", "occurred_at"), "datetime_from_date_parsing"),
    ],
)
def test_bad_input_is_refused_with_the_field_and_reason(client, app, change, location, error_type):
    response = client.post("/v1/complaints", json={**VALID, **change})
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert [(tuple(e["loc"]), e["type"]) for e in errors] == [(location, error_type)]
    assert stored_types(app) == []
