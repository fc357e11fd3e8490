"""The receipt of a filing: absolute links at the public base URL, and how intake understood
the complaint, which the read API shows too."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from services.intake.bootstrap import bootstrap
from services.intake.classification import shipped
from services.intake.config import IntakeSettings

SAMPLES = Path(__file__).parent / "samples"
PUBLIC = "https://complaints.example.com"
FRAUD = {
    "channel": "web",
    "customer": {"id": "cust-7", "name": "Li Wei", "contact": "+86 138 0000 5678"},
    "subject": "Card fraud",
    "text": "Someone used my card without permission: an unauthorized charge of 500 yuan.",
}


@pytest.fixture
def client(tmp_path, tokens):
    settings = IntakeSettings(data_dir=tmp_path, service="intake-receipt-test",
                              tracking_secret="test-secret", public_base_url=f"{PUBLIC}/",
                              **tokens.settings)
    http, runtime = bootstrap(settings)
    yield TestClient(http, headers=tokens.headers())
    runtime.app.close()


def links(accepted: dict) -> tuple[str, str]:
    return accepted["status_url"], accepted["tracking_url"]


def test_every_filing_route_answers_with_absolute_links_at_the_public_base_url(client):
    single = client.post("/v1/complaints", json=FRAUD, headers={"Idempotency-Key": "a"}).json()
    batch = client.post("/v1/complaints:batch", json={"items": [
        {"idempotency_key": "b", "submission": {**FRAUD, "customer": {"id": "cust-8"}}}]}).json()
    raw = client.post("/v1/channels/store", content=(SAMPLES / "store_form.json").read_bytes(),
                      headers={"content-type": "application/json"}).json()

    for accepted in (single, batch["results"][0]["accepted"], raw):
        token, complaint_id = accepted["tracking_token"], accepted["complaint_id"]
        assert links(accepted) == (f"{PUBLIC}/v1/complaints/{complaint_id}",
                                   f"{PUBLIC}/v1/track/{token}")
        assert client.get(accepted["tracking_url"]).status_code == 200


def test_without_a_public_base_url_links_point_at_the_service_itself():
    assert IntakeSettings(http_host="10.0.0.5", http_port=9001).public_url == (
        "http://10.0.0.5:9001")
    assert IntakeSettings(public_base_url="https://c.example/intake/").public_url == (
        "https://c.example/intake")


@pytest.mark.parametrize("url", ["complaints.example.com", "ftp://complaints.example.com",
                                 "https://", "https://c.example/x?next=evil"])
def test_a_public_base_url_that_is_not_an_http_base_is_refused(url):
    with pytest.raises(ValidationError, match="public_base_url"):
        IntakeSettings(public_base_url=url)


def test_the_receipt_and_the_read_api_show_the_classification_made_on_filing(client):
    first = client.post("/v1/complaints", json=FRAUD, headers={"Idempotency-Key": "a"}).json()
    again = client.post("/v1/complaints", json=FRAUD, headers={"Idempotency-Key": "a"}).json()
    view = client.get(first["status_url"]).json()

    made = shipped().classify(subject=FRAUD["subject"], text=FRAUD["text"])
    assert (made.category, made.severity) == ("billing_charges", "P1")  # fraud words: P1
    assert (first["category"], first["severity"], first["duplicate_of"]) == (
        made.category, "P1", None)
    assert (again["created"], again["category"], again["severity"]) == (
        False, made.category, "P1")
    assert (view["category"], view["severity"], view["confidence"], view["duplicate_of"]) == (
        made.category, "P1", made.confidence, None)


def test_a_repeat_of_an_earlier_complaint_names_it_instead_of_a_classification(client):
    first = client.post("/v1/complaints", json=FRAUD, headers={"Idempotency-Key": "a"}).json()
    repeat = client.post("/v1/complaints", json=FRAUD, headers={"Idempotency-Key": "b"}).json()
    view = client.get(repeat["status_url"]).json()

    assert uuid.UUID(repeat["complaint_id"]) != uuid.UUID(first["complaint_id"])
    assert (repeat["category"], repeat["severity"], repeat["duplicate_of"]) == (
        None, None, first["complaint_id"])
    assert (view["category"], view["severity"], view["confidence"], view["duplicate_of"]) == (
        None, None, None, first["complaint_id"])
