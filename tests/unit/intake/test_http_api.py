"""The HTTP front door: batches, raw channel payloads, tracking tokens, limits and their counts."""

from __future__ import annotations

import base64
import re
import string
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from prometheus_client import REGISTRY

from runtime.tracking import Tracked, TrackingTokens
from services.intake.bootstrap import bootstrap
from services.intake.config import IntakeSettings
from services.intake.domain import MAX_TEXT_LENGTH
from tests.problems import reason

SAMPLES = Path(__file__).parent / "samples"
VALID = {
    "channel": "web",
    "customer": {"id": "cust-7", "name": "Li Wei", "contact": "+86 138 0000 5678"},
    "subject": "Refund not received",
    "text": "I returned the blender on 3 May and the refund has still not arrived.",
}


@pytest.fixture
def intake(tmp_path, tokens):
    settings = IntakeSettings(
        data_dir=tmp_path, service="intake-api-test", max_body_bytes=4096, max_batch_items=3,
        tracking_secret="test-secret", **tokens.settings,
    )
    http, runtime = bootstrap(settings)
    # No lifespan: nothing connects to Kafka. Every scope: these tests are about intake.
    yield TestClient(http, headers=tokens.headers()), runtime.app
    runtime.app.close()


@pytest.fixture
def client(intake):
    return intake[0]


def stored_types(app) -> list[str]:
    return [n.topic.rsplit(".", 1)[-1] for n in app.recorder.select_notifications(None, 500)]


def counted(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def refusals(reason: str) -> float:
    return counted("intake_submissions_rejected_total", reason=reason)


def item(key: str, **changes) -> dict:
    return {"idempotency_key": key, "submission": {**VALID, **changes}}


def test_batch_files_good_items_and_refuses_bad_ones_alone(intake):
    client, app = intake
    blank_before, missing_before = refusals("value_error"), refusals("missing")
    sizes_before = counted("intake_batch_size_count"), counted("intake_batch_size_sum")
    commits_before = (counted("intake_group_commit_size_count"),
                      counted("intake_group_commit_size_sum"))

    answer = client.post("/v1/complaints:batch", json={"items": [
        item("b-1"),
        {"submission": {**VALID, "text": "   "}},
        item("b-3", customer={"id": "cust-8"}),
    ]})

    assert answer.status_code == 200
    body = answer.json()
    assert (body["accepted"], body["refused"]) == (2, 1)
    assert [r["status"] for r in body["results"]] == [202, 422, 202]
    assert [r["index"] for r in body["results"]] == [0, 1, 2]
    assert body["results"][1] == {"index": 1, "status": 422, "accepted": None, "errors": [
        {"loc": ["idempotency_key"], "msg": "Field required", "type": "missing"},
        {"loc": ["submission", "text"], "msg": "Value error, must not be blank",
         "type": "value_error"},
    ]}
    first, third = body["results"][0]["accepted"], body["results"][2]["accepted"]
    assert first["complaint_id"] != third["complaint_id"]
    assert (first["created"], third["created"]) == (True, True)
    assert stored_types(app).count("Received") == 2
    assert (refusals("value_error") - blank_before, refusals("missing") - missing_before) == (1, 1)
    assert (counted("intake_batch_size_count") - sizes_before[0],
            counted("intake_batch_size_sum") - sizes_before[1]) == (1, 3)
    # The two valid items were saved in one transaction, not one each.
    assert (counted("intake_group_commit_size_count") - commits_before[0],
            counted("intake_group_commit_size_sum") - commits_before[1]) == (1, 2)


def test_the_same_batch_five_times_files_each_item_once(intake):
    client, app = intake
    batch = {"items": [item("k-1"), item("k-2", customer={"id": "cust-8"})]}

    answers = [client.post("/v1/complaints:batch", json=batch).json() for _ in range(5)]

    ids = [[r["accepted"]["complaint_id"] for r in a["results"]] for a in answers]
    assert all(i == ids[0] for i in ids)
    created = [[r["accepted"]["created"] for r in a["results"]] for a in answers]
    assert created == [[True, True]] + [[False, False]] * 4
    assert sorted(stored_types(app)) == sorted(
        ["Received", "Classified", "Opened", "Noted", "Claimed"] * 2
    )


def test_a_batch_over_the_limit_is_refused_whole(client):
    before = refusals("batch_too_large")
    answer = client.post("/v1/complaints:batch", json={"items": [item(f"k{i}") for i in range(4)]})
    assert answer.status_code == 422
    assert answer.json()["errors"] == [{
        "loc": ["body", "items"], "msg": "at most 3 items per batch", "type": "batch_too_large",
    }]
    assert refusals("batch_too_large") - before == 1


def test_an_empty_batch_is_refused(client):
    answer = client.post("/v1/complaints:batch", json={"items": []})
    assert answer.status_code == 422
    assert [(e["loc"], e["type"]) for e in answer.json()["errors"]] == [
        (["body", "items"], "too_short")
    ]


def test_a_body_over_the_limit_is_refused_with_413_before_it_is_parsed(intake):
    client, app = intake
    before = counted("rate_limited_total", kind="body_size")
    huge = {**VALID, "text": "x" * 5000}

    declared = client.post("/v1/complaints", json=huge)
    streamed = client.post(
        "/v1/complaints", content=(b"{" + b" " * 1000 for _ in range(5)),
        headers={"content-type": "application/json"},
    )

    for answer in (declared, streamed):
        assert answer.status_code == 413
        assert reason(answer) == {"detail": "the request body is larger than 4096 bytes"}
    assert counted("rate_limited_total", kind="body_size") - before == 2
    assert stored_types(app) == []


def test_text_over_the_length_limit_is_refused_and_counted(tmp_path, tokens):
    http, runtime = bootstrap(IntakeSettings(data_dir=tmp_path, service="intake-text-test",
                                             **tokens.settings))
    before = refusals("text_too_long")

    answer = TestClient(http, headers=tokens.headers()).post(
        "/v1/complaints", json={**VALID, "text": "x" * (MAX_TEXT_LENGTH + 1)}
    )

    assert answer.status_code == 422
    assert [(e["loc"], e["type"]) for e in answer.json()["errors"]] == [
        (["body", "text"], "string_too_long")
    ]
    assert refusals("text_too_long") - before == 1
    runtime.app.close()


def test_received_complaints_are_counted_by_channel_once(client):
    before = counted("intake_complaints_received_total", channel="web")
    for _ in range(3):
        client.post("/v1/complaints", json=VALID, headers={"Idempotency-Key": "once"})
    assert counted("intake_complaints_received_total", channel="web") - before == 1


def test_the_tracking_token_shows_status_and_nothing_personal(client):
    accepted = client.post("/v1/complaints", json=VALID, headers={"Idempotency-Key": "t1"}).json()
    again = client.post("/v1/complaints", json=VALID, headers={"Idempotency-Key": "t1"}).json()

    token = accepted["tracking_token"]
    assert re.fullmatch(r"[A-Za-z0-9_-]{54}", token)
    assert accepted["tracking_url"] == f"http://127.0.0.1:8001/v1/track/{token}"
    assert again["tracking_token"] == token
    assert uuid.UUID(accepted["complaint_id"]).hex not in token

    view = client.get(accepted["tracking_url"])
    full = client.get(accepted["status_url"]).json()
    assert view.status_code == 200
    assert set(view.json()) == {"status", "channel", "received_on", "last_updated_at",
                                "progress_url"}
    assert view.json()["progress_url"] == f"http://127.0.0.1:8004/v1/progress/{token}"
    assert (view.json()["status"], view.json()["channel"]) == ("received", "web")
    assert view.json()["received_on"] == full["received_at"][:10]
    for personal in ("Li Wei", "+86 138 0000 5678", "cust-7", accepted["complaint_id"],
                     VALID["subject"], VALID["text"]):
        assert personal not in view.text


@pytest.mark.parametrize("token", ["A" * 22, "not-a-token", "A" * 21 + "*", "A" * 40, "A" * 54])
def test_an_unknown_or_malformed_token_finds_nothing(client, token):
    client.post("/v1/complaints", json=VALID)
    answer = client.get(f"/v1/track/{token}")
    assert answer.status_code == 404
    assert reason(answer) == {"detail": "no complaint has this token"}


def test_tokens_are_sealed_under_the_key_and_say_nothing_without_it():
    tokens, other_key = TrackingTokens(b"one secret"), TrackingTokens(b"another secret")
    ids = [uuid.uuid4() for _ in range(100)]

    issued = [tokens.issue(i, filed_at=FILED_AT) for i in ids]

    assert [tokens.resolve(t) for t in issued] == [Tracked(i, EXPIRES_AT) for i in ids]
    assert len(set(issued)) == 100
    assert [tokens.issue(i, filed_at=FILED_AT) for i in ids] == issued  # a repeat: same token
    assert [other_key.issue(i, filed_at=FILED_AT) for i in ids] != issued
    assert {other_key.resolve(t) for t in issued} == {None}


FILED_AT = datetime(2030, 1, 1, 9, 30, tzinfo=UTC)
EXPIRES_AT = FILED_AT + timedelta(days=400)
ALPHABET = string.ascii_letters + string.digits + "-_"


def test_every_other_spelling_of_a_token_is_no_token():
    """Issue #21, point 7: one token, one string. The old format's last character carried four
    unused bits, so 16 strings resolved to each complaint."""
    tokens = TrackingTokens(b"one secret")
    token = tokens.issue(uuid.uuid4(), filed_at=FILED_AT)
    variants = {token[:i] + c + token[i + 1:] for i in range(len(token)) for c in ALPHABET
                if c != token[i]}
    raw = base64.urlsafe_b64decode(token + "==")
    flipped = {base64.urlsafe_b64encode(bytes(b ^ (1 << bit) if j == i else b
                                              for j, b in enumerate(raw))).rstrip(b"=").decode()
               for i in range(len(raw)) for bit in range(8)}

    assert len(variants) == 54 * 63 and len(flipped) == 40 * 8
    assert {tokens.resolve(v) for v in variants | flipped} == {None}
    for other in (token + "=", token + "\n", " " + token, token.upper(), token[:-1]):
        assert tokens.resolve(other) is None


def test_a_token_expires_the_set_number_of_days_after_filing():
    tracked = TrackingTokens(b"k", lifetime=timedelta(days=30)).resolve(
        TrackingTokens(b"k", lifetime=timedelta(days=30)).issue(uuid.uuid4(), filed_at=FILED_AT))
    assert tracked.expires_at == FILED_AT + timedelta(days=30)
    assert not tracked.expired(FILED_AT + timedelta(days=30) - timedelta(seconds=1))
    assert tracked.expired(FILED_AT + timedelta(days=30))


def test_the_last_characters_other_spellings_find_nothing_on_the_service(client):
    accepted = client.post("/v1/complaints", json=VALID).json()
    token = accepted["tracking_token"]
    assert client.get(f"/v1/track/{token}").status_code == 200
    spellings = [token[:-1] + c for c in ALPHABET if c != token[-1]]
    answers = {client.get(f"/v1/track/{t}").status_code for t in spellings}
    assert answers == {404}


def test_an_expired_token_is_refused_with_the_reason(intake):
    client, app = intake
    accepted = client.post("/v1/complaints", json=VALID).json()
    filed_at = app.get_complaint(uuid.UUID(accepted["complaint_id"])).created_on
    app.clock = lambda: filed_at + timedelta(days=400)

    answer = client.get(accepted["tracking_url"])

    assert answer.status_code == 410
    expired_on = (filed_at + timedelta(days=400)).date().isoformat()
    assert reason(answer) == {"detail": f"this tracking token expired on {expired_on}"}
    app.clock = lambda: filed_at + timedelta(days=399)
    assert client.get(accepted["tracking_url"]).status_code == 200


def test_erasing_the_customer_revokes_their_tracking_tokens(client):
    mine = client.post("/v1/complaints", json=VALID).json()
    theirs = client.post("/v1/complaints", json={
        **VALID, "customer": {"id": "cust-8"}, "text": "The courier lost my parcel."}).json()

    erased = client.post("/v1/customers/cust-7/erasure", json={"reason": "customer_request"})

    assert erased.status_code == 200
    answer = client.get(mine["tracking_url"])
    assert answer.status_code == 410
    assert reason(answer) == {"detail": "this tracking token was revoked: the customer's "
                                       "personal data has been erased"}
    assert client.get(theirs["tracking_url"]).status_code == 200


def test_an_email_posted_raw_is_filed_once_by_its_message_id(intake):
    client, app = intake
    raw = (SAMPLES / "email_html_only.eml").read_bytes()

    answers = [client.post("/v1/channels/email", content=raw,
                           headers={"content-type": "message/rfc822"}) for _ in range(5)]

    assert [a.status_code for a in answers] == [202] * 5
    assert len({a.json()["complaint_id"] for a in answers}) == 1
    assert [a.json()["created"] for a in answers] == [True, False, False, False, False]
    assert sorted(stored_types(app)) == ["Claimed", "Classified", "Noted", "Opened", "Received"]
    view = client.get(answers[0].json()["status_url"]).json()
    assert (view["channel"], view["customer_contact"], view["subject"]) == (
        "email", "Maria.Hernandez@example.com", "Unauthorized charge on my card ending 4432"
    )


@pytest.mark.parametrize(
    ("channel", "sample", "media_type", "subject"),
    [
        ("wechat", "wechat_voice.xml", "application/xml",
         "快递员把我的包裹放在门口被偷了，你们要负责赔偿。"),
        ("phone", "call_transcript.txt", "text/plain",
         "Hi. I was charged twice for the same order, 88-4411, on my credit card."),
        ("social", "social_post.json", "application/json",
         "@某某家电官方 买的空调装了一周就不制冷，师傅来了三次都没修好，客服一直推脱。"),
        ("store", "store_form.json", "application/json", "购买的电饭煲内胆有裂纹，要求更换。"),
        ("third_party", "third_party.json", "application/json",
         "购买的扫地机器人三个月就坏了，售后拒绝保修"),
        ("app", "web_form.json", "application/json",
         "Inquiry on my credit report that I did not make"),
    ],
)
def test_each_channels_raw_payload_is_filed(client, channel, sample, media_type, subject):
    answer = client.post(f"/v1/channels/{channel}", content=(SAMPLES / sample).read_bytes(),
                         headers={"content-type": media_type})
    assert answer.status_code == 202, answer.text
    view = client.get(answer.json()["status_url"]).json()
    assert (view["channel"], view["subject"]) == (channel, subject)


@pytest.mark.parametrize(
    ("path", "content", "detail", "reason"),
    [
        ("/v1/channels/fax", b"{}", [{"loc": ["path", "channel"], "type": "enum"}],
         "unknown_channel"),
        ("/v1/channels/email", b"Subject: no sender\r\n\r\nhello",
         [{"loc": ["body"], "type": "malformed_email",
           "msg": "the email has no valid From address"}], "malformed_email"),
        ("/v1/channels/wechat", b"<xml><MsgType>text</MsgType>",
         [{"loc": ["body"], "type": "malformed_wechat",
           "msg": "the WeChat message is not well-formed XML: no element found: line 1, "
                  "column 28"}], "malformed_wechat"),
        ("/v1/channels/social", b"{not json", [{"loc": ["body"], "type": "malformed_social"}],
         "malformed_social"),
        ("/v1/channels/social", b'{"platform": "weibo", "handle": "@a", "post_id": "1", '
                                b'"text": "bad", "url": "ftp://x"}',
         [{"loc": ["body", "url"], "type": "url_scheme"}], "url_scheme"),
        ("/v1/channels/web", b'{"account_id": "c-1", "message": "   "}',
         [{"loc": ["submission", "subject"], "type": "string_too_short"},
          {"loc": ["submission", "text"], "type": "string_too_short"}], "string_too_short"),
    ],
)
def test_each_channel_refusal_names_its_reason_and_is_counted(
    intake, path, content, detail, reason
):
    client, app = intake
    before = refusals(reason)

    answer = client.post(path, content=content)

    assert answer.status_code == 422
    got = answer.json()["errors"]
    assert [{k: e[k] for k in want} for e, want in zip(got, detail, strict=True)] == detail
    assert refusals(reason) - before == 1
    assert stored_types(app) == []
