"""Issue #21, point 5, on intake as bootstrap() builds it: after the filing quota of
`quota-cust-1`, the same customer spelled with a trailing space, in capitals, full width or with
a zero-width space is refused (429) or rejected (422), never filed; the duplicate index, erasure
and the published events know the customer by one id."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from contracts.registry import parse
from contracts.topics import INBOUND
from runtime.inbox import Inbox, Rejected
from services.intake.bootstrap import bootstrap
from services.intake.config import IntakeSettings
from services.intake.handlers import SUBSCRIPTIONS
from tests.integration.platform_world import published

QUOTA = 3
TEXTS = ["The blender {n} sparks when switched on.", "Parcel {n} never arrived at all.",
         "I was billed twice for order {n}.", "My card {n} was charged without consent.",
         "The app {n} logs me out every minute.", "Refund {n} has not arrived in weeks."]
VARIANTS = ["quota-cust-1 ", "QUOTA-CUST-1", "Quota-Cust-1", "ｑuota-cust-1",
            "ＱＵＯＴＡ－ＣＵＳＴ－１", "\u3000quota-cust-1", "quota-cust-1\n"]
INVISIBLE = ["quota-cust-1\u200b", "\u200bquota-cust-1", "quota-cust-1\ufeff",
             "quota\u200d-cust-1", "quota-cust-1\u00ad", "quota-cust-1\u202e"]


@pytest.fixture
def intake(tmp_path, tokens):
    settings = IntakeSettings(data_dir=tmp_path, service="intake-ids-test",
                              tracking_secret="s", filing_quota_per_day=QUOTA, **tokens.settings)
    http, runtime = bootstrap(settings)
    yield TestClient(http, headers=tokens.headers()), runtime
    runtime.app.close()


def filing(customer_id: str, n: int, channel: str = "web") -> dict:
    return {"channel": channel, "customer": {"id": customer_id, "name": "Li Wei"},
            "subject": f"Complaint {n}", "text": TEXTS[n % len(TEXTS)].format(n=n)}


def test_after_the_quota_no_spelling_of_the_customer_is_filed(intake):
    client, runtime = intake
    filed = [client.post("/v1/complaints", json=filing("quota-cust-1", n)) for n in range(QUOTA)]
    assert [f.status_code for f in filed] == [202] * QUOTA

    answers = {v: client.post("/v1/complaints", json=filing(v, 10 + n))
               for n, v in enumerate(VARIANTS + INVISIBLE)}

    assert {v: a.status_code for v, a in answers.items()} == {
        **{v: 429 for v in VARIANTS}, **{v: 422 for v in INVISIBLE}}
    for variant in INVISIBLE:
        [error] = answers[variant].json()["errors"]
        assert error["loc"] == ["body", "customer", "id"]
        assert error["msg"].startswith("Value error, must not contain invisible or control")
    received = [e for e in published(runtime) if e.type == "complaint.received.v1"]
    assert [e.data["customer_id"] for e in received] == ["quota-cust-1"] * QUOTA


def test_batches_and_raw_channels_count_the_same_customer(intake):
    client, _ = intake
    items = [{"idempotency_key": f"k{n}", "submission": filing(v, n)}
             for n, v in enumerate(["quota-cust-1", "QUOTA-CUST-1 ", "ｑuota-cust-1",
                                    "Quota-Cust-1", "quota-cust-1\u200b"])]
    results = client.post("/v1/complaints:batch", json={"items": items}).json()["results"]
    assert [r["status"] for r in results] == [202, 202, 202, 429, 422]
    assert results[4]["errors"][0]["loc"] == ["submission", "customer", "id"]
    raw = client.post("/v1/channels/web", json={"account_id": "QUOTA-cust-1",
                                                "message": "The courier lost my parcel."})
    assert raw.status_code == 429


def test_a_repeat_in_capitals_is_a_duplicate_of_the_same_customer(intake):
    client, _ = intake
    first = client.post("/v1/complaints", json=filing("dup-cust", 0)).json()
    again = client.post("/v1/complaints", json=filing("  DUP-CUST", 0)).json()
    assert again["duplicate_of"] == first["complaint_id"]


def test_erasure_by_any_spelling_erases_the_one_customer(intake):
    client, _ = intake
    filed = client.post("/v1/complaints", json=filing("erase-me", 1)).json()
    reason = {"reason": "customer_request"}
    erased = client.post("/v1/customers/ERASE-ME%20/erasure", json=reason)
    assert erased.status_code == 200
    assert erased.json() == {"customer_id": "erase-me", "recorded": True}
    view = client.get(f"/v1/complaints/{filed['complaint_id']}").json()
    assert (view["customer_id"], view["customer_name"], view["personal_data_erased"]) == (
        "erase-me", "[erased]", True)
    again = client.post("/v1/customers/ｅｒａｓｅ-ｍｅ/erasure", json=reason)
    assert again.json() == {"customer_id": "erase-me", "recorded": False}

    invisible = client.post("/v1/customers/erase-me%E2%80%8B/erasure", json=reason)
    assert invisible.status_code == 422
    [error] = invisible.json()["errors"]
    assert error["loc"] == ["path", "customer_id"]
    assert error["msg"] == \
        "Value error, must not contain invisible or control characters (U+200B)"


def test_wechat_openids_keep_their_case(intake):
    client, _ = intake
    for n in range(QUOTA):
        assert client.post("/v1/complaints", json=filing("wechat:oAbC", n,
                                                         "wechat")).status_code == 202
    assert client.post("/v1/complaints", json=filing("WECHAT:oAbC", 7,
                                                     "wechat")).status_code == 429
    assert client.post("/v1/complaints", json=filing("wechat:oabc", 8,
                                                     "wechat")).status_code == 202


def test_a_channel_adapters_submission_with_an_invisible_id_is_rejected_by_name(intake):
    _, runtime = intake
    path = Path(__file__).resolve().parents[3] / "contracts/samples/complaint.submitted.v1.json"
    raw = json.loads(path.read_text(encoding="utf-8"))
    raw["data"]["customer_id"] = "quota-cust-1\u200b"
    envelope, event = parse(json.dumps(raw))
    with pytest.raises(Rejected) as rejected:
        Inbox(app=runtime.app, consumer="intake",
              handlers=SUBSCRIPTIONS[INBOUND]).process(envelope, event)
    assert str(rejected.value) == ("customer.id: Value error, must not contain invisible or "
                                   "control characters (U+200B)")
