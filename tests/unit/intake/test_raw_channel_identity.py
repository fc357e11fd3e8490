"""Issue #13, point 6: raw channel payloads carry the contact points their channel vouches for,
so identity resolution works for `POST /v1/channels/{channel}` too; contact-point index ids are
keyed (HMAC-SHA256), and an index written with uuid5 ids is still found."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from services.intake.bootstrap import bootstrap
from services.intake.channels import wechat
from services.intake.config import IntakeSettings
from services.intake.identity import (
    ContactKind,
    ContactPoint,
    CustomerIdentity,
    PointIds,
    Verification,
    VerifiedContact,
)
from tests.auth_tokens import TENANT, bearer

SAMPLES = Path(__file__).parent / "samples"
KEY = b"k" * 32
EMAIL = (SAMPLES / "email_html_only.eml").read_bytes()  # From Maria.Hernandez@example.com
ADDRESS = "maria.hernandez@example.com"


@pytest.fixture
def intake(tmp_path, tokens):
    settings = IntakeSettings(data_dir=tmp_path, service="intake-raw-identity",
                              tracking_secret="t", contact_index_key=KEY.decode(),
                              **tokens.settings)
    http, runtime = bootstrap(settings)
    adapter = TestClient(http, headers=bearer(tokens.client()))
    yield adapter, TestClient(http, headers=tokens.headers()), runtime.app
    runtime.app.close()


def customer_of(app, accepted) -> str:
    return app.get_complaint(uuid.UUID(accepted.json()["complaint_id"])).customer["id"]


def web_form(**fields) -> dict:
    return {"message": "My card ending 4432 was charged for something I never bought.",
            **fields}


def test_a_wechat_push_vouches_for_its_senders_openid():
    submission = wechat.normalise((SAMPLES / "wechat_text.xml").read_bytes())

    assert submission.verified_contacts == (VerifiedContact(
        kind=ContactKind.WECHAT, verified_by=Verification.OPENID,
        value="oia2TjuEGTNoeX76QEjQNrcURxG8"),)


def test_an_authenticated_email_then_a_form_verified_by_code_are_one_person(intake):
    adapter, _, app = intake

    mailed = adapter.post("/v1/channels/email", content=EMAIL, headers={
        "content-type": "message/rfc822", "Verified-By": "sender_address"})
    formed = adapter.post("/v1/channels/web", headers={"Verified-By": "one_time_code"},
                          json=web_form(account_id="acct-77", email="Maria.Hernandez@example.com"))

    assert (mailed.status_code, formed.status_code) == (202, 202)
    first = customer_of(app, mailed)
    assert customer_of(app, formed) == first
    identity = app.repository.get(app.repository.get(
        PointIds(KEY)(TENANT, ContactKind.CUSTOMER_ID, "acct-77")).identity_id)
    assert identity.aliases == [first, "acct-77"]


def test_without_the_adapters_word_an_email_from_is_no_verified_contact(intake):
    adapter, _, app = intake

    mailed = adapter.post("/v1/channels/email", content=EMAIL,
                          headers={"content-type": "message/rfc822"})
    formed = adapter.post("/v1/channels/web", headers={"Verified-By": "one_time_code"},
                          json=web_form(account_id="acct-77", email=ADDRESS))

    assert customer_of(app, formed) == "acct-77"
    assert customer_of(app, mailed) != "acct-77"


def test_only_a_channel_adapter_vouches_on_a_raw_channel(intake):
    adapter, person, app = intake

    person.post("/v1/channels/email", content=EMAIL, headers={
        "content-type": "message/rfc822", "Verified-By": "sender_address"})
    formed = adapter.post("/v1/channels/web", headers={"Verified-By": "one_time_code"},
                          json=web_form(account_id="acct-77", email=ADDRESS))

    assert customer_of(app, formed) == "acct-77"


@pytest.mark.parametrize(("channel", "verified_by", "body", "message"), [
    ("email", "caller_id", EMAIL, "caller_id does not verify the payload's email"),
    ("web", "sender_address", b'{"account_id": "a-1", "email": "a@b.example", "message": "hi"}',
     "the web channel cannot verify by sender_address"),
    ("web", "one_time_code", b'{"account_id": "a-1", "message": "hello"}',
     "the adapter vouches for a contact the payload does not carry"),
    ("web", "telepathy", b'{"account_id": "a-1", "message": "hello"}',
     "'telepathy' is not a valid Verification"),
])
def test_a_vouching_the_channel_cannot_make_is_refused(intake, channel, verified_by, body,
                                                      message):
    adapter, _, _ = intake

    answer = adapter.post(f"/v1/channels/{channel}", content=body,
                          headers={"Verified-By": verified_by})

    assert answer.status_code == 422
    assert [(e["loc"], e["msg"], e["type"]) for e in answer.json()["errors"]] == [
        (["header", "verified-by"], message, "unverifiable_contact")]


def test_index_ids_are_keyed_not_computable_from_the_address(intake):
    adapter, _, app = intake

    adapter.post("/v1/channels/email", content=EMAIL, headers={
        "content-type": "message/rfc822", "Verified-By": "sender_address"})

    keyed = PointIds(KEY)(TENANT, ContactKind.EMAIL, ADDRESS)
    assert keyed in app.repository
    assert PointIds.legacy(TENANT, ContactKind.EMAIL, ADDRESS) not in app.repository
    assert PointIds(b"another key")(TENANT, ContactKind.EMAIL, ADDRESS) != keyed


def test_a_point_an_older_store_indexed_by_uuid5_still_links_the_person(intake):
    adapter, _, app = intake
    older = CustomerIdentity(tenant=TENANT, customer_id="mail:maria")
    point = ContactPoint(id=PointIds.legacy(TENANT, ContactKind.EMAIL, ADDRESS), tenant=TENANT,
                         kind=ContactKind.EMAIL.value, identity_id=older.id)
    app.save(older, point)

    formed = adapter.post("/v1/channels/web", headers={"Verified-By": "one_time_code"},
                          json=web_form(account_id="acct-77", email=ADDRESS))

    assert customer_of(app, formed) == "mail:maria"

