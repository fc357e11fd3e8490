"""Severity rules (each rule, raise by one, capped at P1) and the sentiment lexicon."""

from __future__ import annotations

from pathlib import Path

import pytest

from contracts.intake import CustomerTier, Severity
from services.intake.classification.classifier import HERE
from services.intake.classification.rulefile import RuleFileError
from services.intake.classification.sentiment import load_sentiment
from services.intake.classification.severity import Facts, load_severity
from services.intake.classification.text import tokens

RULES = load_severity(HERE / "severity.yaml")
SENTIMENT = load_sentiment(HERE / "sentiment.yaml")
STANDARD, VIP = CustomerTier.STANDARD, CustomerTier.VIP


def assess(text: str, *, category: str = "other", sentiment: float = 0.0, tier=STANDARD):
    result = RULES.assess(Facts(category, tokens(text), sentiment, tier))
    return result.severity, result.rules_fired, result.crisis_signals


def test_nothing_notable_is_the_default_p3() -> None:
    assert assess("My statement arrived a day late.") == (Severity.P3, (), ())


@pytest.mark.parametrize(
    ("text", "category", "expected"),
    [
        ("The heater exploded and my son was injured.", "product_quality_safety",
         (Severity.P1, ("severity:personal_safety",), ())),
        ("充电宝起火了，差点烧伤孩子", "product_quality_safety",
         (Severity.P1, ("severity:personal_safety",), ())),
        ("Someone used my card.", "fraud_unauthorised", (Severity.P1, ("severity:fraud",), ())),
        ("The app has been down for everyone, a nationwide outage since this morning.", "other",
         (Severity.P1, ("severity:large_scale_outage",), ())),
        ("系统大面积瘫痪，所有用户都无法转账", "banking_payments",
         (Severity.P1, ("severity:large_scale_outage",), ())),
        ("The nurse gave me the wrong dose.", "medical_care",
         (Severity.P2, ("severity:medical_care",), ())),
        ("My address was shared with marketers.", "data_privacy",
         (Severity.P2, ("severity:data_privacy",), ())),
    ],
)
def test_each_level_rule(text: str, category: str, expected: tuple) -> None:
    assert assess(text, category=category) == expected


@pytest.mark.parametrize(
    ("text", "signals"),
    [
        ("If this is not fixed I am going to the press.", ("going to the press", "press")),
        ("My attorney will file a class action.", ("attorney", "class action")),
        ("I have filed a complaint with the CFPB.", ("cfpb",)),
        ("再不处理我就去12315投诉", ("12315",)),
        ("我要向媒体曝光你们", ("媒体", "曝光")),
        ("我已经投诉到消协了，准备起诉", ("投诉到", "消协", "起诉")),
        ("等着上315晚会吧", ("315",)),
    ],
)
def test_a_crisis_signal_raises_p3_to_p2(text: str, signals: tuple[str, ...]) -> None:
    assert assess(text) == (Severity.P2, ("raise:crisis_signal",), signals)


def test_strongly_negative_sentiment_raises_one_level() -> None:
    assert assess("x", sentiment=-0.61) == (Severity.P2, ("raise:strongly_negative",), ())
    assert assess("x", sentiment=-0.6) == (Severity.P3, (), ())


def test_a_vip_customer_raises_one_level() -> None:
    assert assess("x", tier=VIP) == (Severity.P2, ("raise:vip_customer",), ())
    assert assess("x", category="medical_care", tier=VIP) == (
        Severity.P1, ("severity:medical_care", "raise:vip_customer"), (),
    )


def test_raises_add_up() -> None:
    assert assess("I will call my lawyer", sentiment=-0.9)[:2] == (
        Severity.P1, ("raise:crisis_signal", "raise:strongly_negative"),
    )


def test_raising_stops_at_p1() -> None:
    assert assess("Fraud. My lawyer is on it.", category="fraud_unauthorised",
                  sentiment=-0.9, tier=VIP) == (
        Severity.P1,
        ("severity:fraud", "raise:crisis_signal", "raise:strongly_negative", "raise:vip_customer"),
        ("lawyer",),
    )


def test_the_most_severe_level_rule_wins() -> None:
    assert assess("The clinic leaked my records and I was hospitalized",
                  category="data_privacy")[:2] == (
        Severity.P1, ("severity:personal_safety", "severity:data_privacy"),
    )


def test_severity_rules_must_name_known_categories() -> None:
    with pytest.raises(RuleFileError) as rejected:
        RULES.check_categories({"other"})
    assert str(rejected.value) == (
        "severity rules name categories not in the taxonomy: "
        "['data_privacy', 'fraud_unauthorised', 'medical_care']"
    )


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("default: P4\nrules: []\ncrisis_signals: {}\n",
         "severity.yaml:1: default: Input should be 'P1', 'P2' or 'P3'"),
        ("default: P3\nrules:\n  - id: empty\n    level: P1\ncrisis_signals: {}\n",
         "severity.yaml:3: rules[0]: Value error, rule 'empty' needs categories or keywords"),
        ("default: P3\nrules: []\nraises:\n  - id: two\n    tiers: [vip]\n"
         "    crisis_signal: true\ncrisis_signals: {}\n",
         "severity.yaml:4: raises[0]: Value error, raise 'two' needs exactly one of "
         "crisis_signal, sentiment_below, tiers"),
        ("default: P3\nrules: []\n",
         "severity.yaml:1: crisis_signals: Field required"),
    ],
)
def test_a_bad_severity_file_is_rejected_naming_line_and_reason(
    tmp_path: Path, text: str, reason: str
) -> None:
    path = tmp_path / "severity.yaml"
    path.write_text(text, encoding="utf-8")

    with pytest.raises(RuleFileError) as rejected:
        load_severity(path)

    assert str(rejected.value) == reason


@pytest.mark.parametrize(
    ("text", "score"),
    [
        ("My card was charged twice for one order.", 0.0),
        ("I am extremely angry, this is the worst, unacceptable service!", -0.926),
        ("I am angry.", -0.459),
        ("I am very angry.", -0.612),
        ("I am not happy with this.", -0.262),
        ("Thank you, the issue was resolved and I am happy.", 0.67),
        ("你们的服务太差了，我非常生气，垃圾公司！", -0.91),
        ("服务很不好", -0.318),
        ("我不满意", -0.459),
        ("谢谢，客服很专业，我很满意", 0.739),
    ],
)
def test_sentiment_from_the_lexicon(text: str, score: float) -> None:
    assert SENTIMENT.score(text) == score


def test_a_negator_reaches_three_words_back() -> None:
    assert SENTIMENT.score("not at all happy") < 0
    assert SENTIMENT.score("not that we were ever happy") > 0
