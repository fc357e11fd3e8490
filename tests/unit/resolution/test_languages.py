"""Texts in the customer's language (from intake's classification) and the API in the caller's
(`Accept-Language`): Simplified Chinese or English, English by default."""

from __future__ import annotations

import ast
import uuid

import pytest
from fastapi.testclient import TestClient

from contracts.topics import INTAKE_EVENTS
from runtime.inbox import Inbox
from services.resolution import messages
from services.resolution.application import ResolutionApplication
from services.resolution.config import PACKAGE
from services.resolution.domain.errors import DomainError
from services.resolution.handlers import SUBSCRIPTIONS
from tests.problems import kind, reason
from tests.unit.resolution.conftest import as_, sample
from tests.unit.resolution.walk import AGENT, ok, propose, resolve, survey_token

FIVE_WHYS = {
    "problem": "同一订单被扣款两次", "why_1": "支付网关发送了两次扣款",
    "why_2": "网关超时后自动重试", "why_3": "重试请求没有幂等键",
    "root_cause": "扣款重试不幂等",
}


def classified(app: ResolutionApplication, complaint_id: str, language: str) -> None:
    """Intake's classification of the complaint, in `language`, reaches resolution."""
    envelope, event = sample("complaint.classified.v1", complaint_id=complaint_id,
                             language=language)
    envelope = envelope.model_copy(update={"id": uuid.uuid4()})
    inbox = Inbox(app=app, consumer="resolution", handlers=SUBSCRIPTIONS[INTAKE_EVENTS])
    inbox.process(envelope, event)


@pytest.mark.parametrize(("header", "expected"), [
    ("zh-CN", "zh"), ("zh", "zh"), ("zh-Hans-CN,zh;q=0.9", "zh"),
    ("en-GB,zh;q=0.8", "en"), ("fr, zh-TW;q=0.5, en;q=0.4", "zh"),
    ("zh;q=0, en", "en"), ("de", "en"), ("", "en"), (None, "en"), ("zh;q=abc", "en"),
])
def test_the_callers_language_is_negotiated_from_accept_language(
    header: str | None, expected: str
) -> None:
    assert messages.negotiate(header) == expected


def test_a_chinese_complaints_five_whys_note_has_chinese_labels(
    app: ResolutionApplication, client: TestClient, opened: str
) -> None:
    classified(app, opened, "zh")

    ok(client.post(f"/v1/cases/{opened}/notes", headers=as_(AGENT),
                   json={"template": "five_whys", "fields": FIVE_WHYS}), 201)

    assert note_text(app, opened) == (
        "问题：同一订单被扣款两次\n为什么 1：支付网关发送了两次扣款\n为什么 2：网关超时后自动重试\n"
        "为什么 3：重试请求没有幂等键\n根本原因：扣款重试不幂等"
    )


def test_a_complaint_of_unknown_language_gets_english_5w2h_labels(
    app: ResolutionApplication, client: TestClient, opened: str
) -> None:
    fields = {"what": "Double charge", "why": "Retry", "where": "Checkout", "when": "Monday",
              "who": "Gateway", "how": "Timeout", "how_much": 120}

    ok(client.post(f"/v1/cases/{opened}/notes", headers=as_(AGENT),
                   json={"template": "5w2h", "fields": fields}), 201)

    assert note_text(app, opened) == (
        "What: Double charge\nWhy: Retry\nWhere: Checkout\nWhen: Monday\nWho: Gateway\n"
        "How: Timeout\nHow much: 120"
    )


@pytest.mark.parametrize(("language", "status", "csat"), [
    ("zh", "待作答", "您对我们处理此次投诉的方式满意吗？（1-5 分）"),
    ("en", "Open for your answer",
     "How satisfied are you with how we handled your complaint? (1-5)"),
])
def test_the_survey_speaks_the_complaints_language_whatever_the_browser_says(
    app: ResolutionApplication, client: TestClient, opened: str, language: str, status: str,
    csat: str,
) -> None:
    classified(app, opened, language)
    resolve(client, opened)
    token = survey_token(client, opened)

    survey = client.get(f"/v1/surveys/{token}", headers={"Accept-Language": "de"}).json()

    assert (survey["language"], survey["status"], survey["status_label"],
            survey["questions"]["csat"]) == (language, "open", status, csat)


def test_without_a_known_language_the_survey_follows_the_browser(
    client: TestClient, opened: str
) -> None:
    resolve(client, opened)
    token = survey_token(client, opened)

    survey = client.get(f"/v1/surveys/{token}", headers={"Accept-Language": "zh-CN"}).json()

    assert (survey["language"], survey["status_label"], survey["questions"]["comment"]) == (
        "zh", "待作答", "您还有其他想告诉我们的吗？")


def test_an_error_detail_is_in_chinese_for_zh_cn_and_english_otherwise(
    client: TestClient, opened: str
) -> None:
    def reopen(**headers: str):
        return client.post(f"/v1/cases/{opened}/reopening", json={"reason": "再次扣款"},
                           headers={**as_(AGENT), **headers})

    chinese, english, default = reopen(**{"Accept-Language": "zh-CN"}), reopen(
        **{"Accept-Language": "en-US,zh;q=0.5"}), reopen()

    assert (chinese.status_code, reason(chinese)) == (409, {"detail": "投诉尚未结案"})
    assert reason(english) == reason(default) == {"detail": "the complaint is not closed"}


def test_refusals_missing_cases_and_unknown_root_causes_are_translated(
    client: TestClient, opened: str
) -> None:
    zh = {"Accept-Language": "zh"}
    pid = propose(client, opened)

    own = client.post(f"/v1/cases/{opened}/proposals/{pid}/approvals",
                      headers={**as_(AGENT, "team_lead"), **zh})
    missing = client.get("/v1/cases/no-such-case", headers={**as_(AGENT), **zh})
    unknown = client.post(f"/v1/cases/{opened}/root-cause", headers={**as_(AGENT), **zh},
                          json={"category": "late", "why_chain": ["快递延误"]})

    assert reason(own) == {
        "rule": "four_eyes", "action": "approve",
        "detail": f"{AGENT} 提出了方案 {pid}，不得自行审批（四眼原则）"}
    assert reason(missing) == {"detail": "未找到案件"}
    assert unknown.json()["detail"].startswith(
        "'late' 不是根本原因分类 2026.11.1 中的类别；可用：payment_retry, billing_error")


def test_statuses_are_labelled_in_the_callers_language(client: TestClient, opened: str) -> None:
    pid = propose(client, opened)

    case = client.get(f"/v1/cases/{opened}", headers={"Accept-Language": "zh-CN"}).json()
    english = client.get(f"/v1/cases/{opened}").json()

    assert (case["case_status"], case["case_status_label"]) == ("open", "待处理")
    assert [(p["proposal_id"], p["status_label"]) for p in case["proposals"]] == [(pid, "待审批")]
    assert (english["case_status_label"], english["proposals"][0]["status_label"]) == (
        "Open", "Awaiting approval")


def test_solution_titles_are_in_both_languages_and_a_proposal_speaks_the_customers(
    app: ResolutionApplication, client: TestClient, opened: str
) -> None:
    classified(app, opened, "zh")

    library = {s["id"]: s for s in client.get("/v1/solutions").json()["solutions"]}
    pid = propose(client, opened, solution_id="explanation-apology", amount=None)

    assert library["refund"]["title"] == {"en": "Refund", "zh": "退款"}
    assert library["explanation-apology"]["title"] == {
        "en": "Explanation and apology", "zh": "解释与致歉"}
    case = app.get_case(opened)  # the description is stored sealed
    assert app.personal.open(case, case.proposal(pid).description) == "向您说明事情经过并致歉。"


def test_note_template_fields_are_titled_in_the_callers_language(client: TestClient) -> None:
    chinese = client.get("/v1/note-templates", headers={"Accept-Language": "zh"}).json()
    english = client.get("/v1/note-templates").json()

    assert chinese["five_whys"]["properties"]["root_cause"]["title"] == "根本原因"
    assert chinese["5w2h"]["properties"]["how_much"]["title"] == "多少"
    assert english["5w2h"]["properties"]["how_much"]["title"] == "How much"


def test_every_domain_error_message_has_a_chinese_translation() -> None:
    errors = _domain_error_names()
    templates = set()
    for module in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call)
                    and isinstance(node.exc.func, ast.Name) and node.exc.func.id in errors
                    and node.exc.args and isinstance(node.exc.args[0], ast.Constant)):
                templates.add(node.exc.args[0].value)

    assert len(templates) > 50
    assert sorted(templates - set(messages.ZH)) == []


def test_a_message_without_a_translation_falls_back_to_english() -> None:
    assert messages.translated("no such thing {x}", {"x": 1}, "zh") == "no such thing 1"


def _domain_error_names() -> set[str]:
    import services.resolution.bootstrap  # noqa: F401 - every error class is declared by now

    found, todo = set(), [DomainError]
    while todo:
        cls = todo.pop()
        found.add(cls.__name__)
        todo.extend(cls.__subclasses__())
    return found



def test_a_proposal_in_another_currency_is_refused_in_the_callers_language(
    client: TestClient, opened: str
) -> None:
    def propose_in_dollars(**headers: str):
        return client.post(f"/v1/cases/{opened}/proposals", headers={**as_(AGENT), **headers},
                           json={"solution_id": "refund", "amount": "10.00", "currency": "USD"})

    chinese, english = propose_in_dollars(**{"Accept-Language": "zh-CN"}), propose_in_dollars()

    assert (chinese.status_code, reason(chinese)) == (
        422, {"detail": "审批金额门槛以 CNY 计，而此方案的币种为 USD"})
    assert reason(english) == {
        "detail": "approval thresholds are in CNY, the proposal is in USD"}


def test_invalid_note_template_fields_are_named_in_the_callers_language(
    client: TestClient, opened: str
) -> None:
    def note(fields: dict[str, str], **headers: str):
        return client.post(f"/v1/cases/{opened}/notes", headers={**as_(AGENT), **headers},
                           json={"template": "five_whys", "fields": fields})

    zh = {"Accept-Language": "zh"}
    missing = {k: v for k, v in FIVE_WHYS.items() if k != "why_3"}
    gap = {**FIVE_WHYS, "why_5": "网关默认开启重试"}

    assert (note(missing, **zh).status_code, reason(note(missing, **zh))) == (
        422, {"detail": "why_3：必填字段"})
    assert reason(note({**missing, "why_1": " ", "extra": "x"}, **zh)) == {
        "detail": "why_1：至少需要 1 个字符；why_3：必填字段；extra：不允许的字段"}
    assert reason(note(gap, **zh)) == {"detail": "five_whys：填写 why_5 之前须先填写 why_4"}
    assert reason(note(missing)) == {"detail": "why_3: Field required"}
    assert reason(note(gap, **{"Accept-Language": "en"})) == {
        "detail": "five_whys: why_5 needs why_4"}


def note_text(app: ResolutionApplication, complaint_id: str) -> str:
    """The first note's text, opened: the case keeps it sealed with the complaint's key."""
    case = app.get_case(complaint_id)
    return app.personal.open(case, case.notes[0]["text"])


def test_refusals_are_problems_typed_by_resolutions_error_table(
    client: TestClient, opened: str
) -> None:
    not_closed = client.post(f"/v1/cases/{opened}/reopening", json={"reason": "再次扣款"},
                             headers={**as_(AGENT), "Accept-Language": "zh-CN"})
    pid = propose(client, opened)
    own = client.post(f"/v1/cases/{opened}/proposals/{pid}/approvals",
                      headers=as_(AGENT, "team_lead"))
    missing = client.get("/v1/cases/no-such-case", headers=as_(AGENT))
    invalid = client.post(f"/v1/cases/{opened}/reopening", json={}, headers=as_(AGENT))

    assert [kind(r) for r in (not_closed, own, missing, invalid)] == [
        (409, "wrong-state"), (403, "not-allowed"), (404, "not-found"),
        (422, "invalid-request")]
    assert not_closed.json()["detail"] == "投诉尚未结案"  # the type is the same in any language
    assert [e["loc"] for e in invalid.json()["errors"]] == [["body", "reason"]]
