"""The knowledge base suggests the past resolution of the most similar closed complaint."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from services.resolution.application import ResolutionApplication
from services.resolution.projections import Projections
from services.resolution.ranking import Corpus, stem, tokenize
from tests.auth_tokens import bearer
from tests.problems import reason
from tests.unit.resolution.conftest import DEPARTMENT, TENANT, TOKENS, as_
from tests.unit.resolution.walk import AGENT, ok, resolve

PAST = {
    "billing-1": dict(
        note="The customer's card was charged twice for a single order: the payment gateway "
             "retried the capture after a timeout.",
        solution_id="refund", amount="300.00", description="Refund the duplicate charge",
        category="payment_retry", whys=("The gateway timed out", "Retries were not idempotent"),
    ),
    "delivery-1": dict(
        note="The parcel arrived crushed and the phone screen inside was cracked; the courier "
             "handled the box roughly.",
        solution_id="replacement", amount=None, description="Reship a new phone by express",
        category="courier_damage", whys=("The courier dropped the parcel",),
    ),
    "app-1": dict(
        note="The mobile app crashes at login after the latest update on older Android phones.",
        solution_id="technical-support", amount=None,
        description="An engineer helps the customer install the fixed version",
        category="release_regression", whys=("The update was not tested on Android 9",),
    ),
    "zh-billing": dict(
        note="客户的银行卡同一笔订单被重复扣款，支付网关超时后重试了扣款。",
        solution_id="refund", amount="199.00", description="退还重复扣除的款项",
        category="payment_retry", whys=("支付网关超时",),
    ),
    "zh-delivery": dict(
        note="快递运输途中包裹被压坏，收到的手机屏幕碎裂。",
        solution_id="replacement", amount=None, description="重新发货一台新手机",
        category="courier_damage", whys=("快递员暴力分拣",),
    ),
    "zh-app": dict(
        note="最新版本更新后，旧款安卓手机登录时应用闪退。",
        solution_id="technical-support", amount=None, description="工程师远程协助安装修复版本",
        category="release_regression", whys=("新版本未在旧系统上测试",),
    ),
}


def close(client: TestClient, app: ResolutionApplication, complaint_id: str, **past) -> None:
    app.open_case(complaint_id=complaint_id, tenant=TENANT, owner_queue="q", department=DEPARTMENT,
                  owner_agent_id=AGENT)
    resolve(client, complaint_id, **past)
    ok(client.post(f"/v1/cases/{complaint_id}/closure", headers=as_(AGENT), json={}))


@pytest.fixture
def history(app: ResolutionApplication, client: TestClient) -> None:
    for complaint_id, past in PAST.items():
        close(client, app, complaint_id, **past)


def suggest(client: TestClient, **params) -> list[dict]:
    response = client.get("/v1/knowledge/suggestions", params=params)
    assert response.status_code == 200, response.text
    return response.json()["suggestions"]


@pytest.mark.parametrize(("text", "expected"), [
    ("I was billed two times for the same purchase, the payment went through twice", "billing-1"),
    ("My new phone came with a broken screen, the box was smashed in transit", "delivery-1"),
    ("Since updating, the application closes itself whenever I try to log in", "app-1"),
    ("我的信用卡被扣了两次钱，同一个订单重复收费", "zh-billing"),
    ("收到的手机屏幕是碎的，快递盒子也压扁了", "zh-delivery"),
    ("升级以后一登录应用就闪退", "zh-app"),
])
def test_a_differently_worded_complaint_gets_the_right_past_resolution_first(
    client: TestClient, history: None, text: str, expected: str
) -> None:
    [best, *rest] = suggest(client, text=text)

    assert best["complaint_id"] == expected
    assert best["resolution"] == PAST[expected]["description"]
    assert best["root_cause_category"] == PAST[expected]["category"]
    assert best["why_chain"] == list(PAST[expected]["whys"])
    assert 0 < best["score"] <= 1
    assert all(other["score"] < best["score"] for other in rest)


def test_suggestions_for_a_complaint_use_its_investigation_and_leave_it_out(
    app: ResolutionApplication, client: TestClient, history: None
) -> None:
    app.open_case(complaint_id="new-1", tenant=TENANT, owner_queue="q",
                  department=DEPARTMENT, owner_agent_id=AGENT)
    ok(client.post("/v1/cases/new-1/notes", headers=as_(AGENT),
                   json={"text": "Duplicate charge on the card for one order"}), 201)

    found = suggest(client, complaint_id="new-1")
    itself = suggest(client, complaint_id="billing-1")

    assert found[0]["complaint_id"] == "billing-1"
    assert "billing-1" not in [s["complaint_id"] for s in itself]


def test_a_reopened_complaint_leaves_the_index_and_an_exception_never_enters(
    app: ResolutionApplication, client: TestClient, history: None
) -> None:
    ok(client.post("/v1/cases/billing-1/reopening", headers=as_(AGENT),
                   json={"reason": "Charged a third time"}))
    app.open_case(complaint_id="gone-1", tenant=TENANT, owner_queue="q",
                  department=DEPARTMENT, owner_agent_id=AGENT)
    ok(client.post("/v1/cases/gone-1/notes", headers=as_(AGENT),
                   json={"text": "Card charged twice, customer unreachable"}), 201)
    ok(client.post("/v1/cases/gone-1/closure", headers=as_(AGENT), json={
        "root_cause_category": "customer_unreachable", "exception_reason": "Customer unreachable"}))

    response = client.get("/v1/knowledge/suggestions",
                          params={"text": "card charged twice payment"})

    assert response.json()["indexed"] == len(PAST) - 1
    ids = [s["complaint_id"] for s in response.json()["suggestions"]]
    assert "billing-1" not in ids and "gone-1" not in ids


def test_the_index_is_rebuilt_from_the_event_store(
    app: ResolutionApplication, history: None
) -> None:
    restarted = Projections(app)
    restarted.catch_up()

    assert sorted(restarted.knowledge.entries) == sorted(PAST)
    [best] = restarted.knowledge.suggest("charged twice", limit=1)
    assert best.complaint_id == "billing-1"


def test_a_query_needs_text_or_a_complaint(client: TestClient) -> None:
    assert client.get("/v1/knowledge/suggestions").status_code == 422


def test_tokens_are_stemmed_english_words_and_jieba_words() -> None:
    assert tokenize("Charged, charges and CHARGING twice!") == ["charg", "charg", "charg", "twic"]
    assert tokenize("支付网关重试了扣款") == ["支付", "网关", "重试", "扣款"]
    assert [stem(w) for w in ("replies", "delivered", "bus")] == ["reply", "deliver", "bus"]


def test_cosine_similarity_of_a_text_with_itself_is_one_and_unrelated_texts_are_dropped() -> None:
    corpus = Corpus()
    corpus.put("a", "refund the duplicate charge")
    corpus.put("b", "reship the cracked phone")

    assert corpus.rank("refund the duplicate charge") == [("a", pytest.approx(1.0))]
    assert corpus.rank("weather forecast") == []


def test_suggestions_hold_only_complaints_the_caller_may_see(
    app: ResolutionApplication, client: TestClient, history: None
) -> None:
    text = "I was billed two times for the same purchase"
    elsewhere = [
        bearer(TOKENS.token("supervisor", tenant=TENANT, departments=["fraud-operations"])),
        bearer(TOKENS.token("supervisor", tenant="globex", departments=[DEPARTMENT])),
    ]
    auditor = bearer(TOKENS.token("auditor", tenant=TENANT))

    for headers in elsewhere:
        answer = client.get("/v1/knowledge/suggestions", params={"text": text}, headers=headers)
        assert answer.json() == {"indexed": 0, "suggestions": []}
        hidden = client.get("/v1/knowledge/suggestions", params={"complaint_id": "billing-1"},
                            headers=headers)
        assert (hidden.status_code, reason(hidden)) == (404, {"detail": "case not found"})
    masked = client.get("/v1/knowledge/suggestions", params={"text": text},
                        headers=auditor).json()
    assert masked["indexed"] == len(PAST)
    assert masked["suggestions"][0]["complaint_id"] == "billing-1"
    assert {s["resolution"] for s in masked["suggestions"]} == {"[redacted]"}
