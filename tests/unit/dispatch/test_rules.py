"""Routing rules: every match field, priorities, the default queue, and invalid files."""

from __future__ import annotations

import hashlib
import textwrap

import pytest

from runtime.yaml_nodes import ConfigFileError
from services.dispatch.rule_file import parse_rules
from services.dispatch.ruleset import Facts

QUEUES = {"general", "billing", "fraud", "vip", "cn-desk", "safety"}


def rules(text: str, known_queues=QUEUES):
    return parse_rules(
        textwrap.dedent(text).encode(), source="routing.yaml", known_queues=known_queues
    )


RULES = """\
    version: 2024.06
    default:
      queue: general
    rules:
      - id: billing
        priority: 50
        when: {category: [billing_*]}
        queue: billing
        skills: [billing]
      - id: vip-p1
        priority: 10
        when: {customer_tier: vip, severity: [P1]}
        queue: vip
      - id: fraud-words
        priority: 20
        when: {keywords: [Identity Theft, 盗刷]}
        queue: fraud
      - id: chinese-app
        priority: 30
        when: {language: zh, channel: [app, wechat]}
        queue: cn-desk
      - id: north-safety
        priority: 40
        when: {region: [CN-North], product: [heater]}
        queue: safety
"""


@pytest.mark.parametrize(("facts", "rule_id", "queue"), [
    (Facts(category="billing_charges"), "billing", "billing"),
    (Facts(category="credit_reporting"), "default", "general"),
    (Facts(customer_tier="vip", severity="P1"), "vip-p1", "vip"),
    (Facts(customer_tier="vip", severity="P2"), "default", "general"),
    (Facts(customer_tier="standard", severity="P1"), "default", "general"),
    (Facts(keywords=("identity theft",)), "fraud-words", "fraud"),
    (Facts(keywords=("盗刷", "refund")), "fraud-words", "fraud"),
    (Facts(keywords=("refund",)), "default", "general"),
    (Facts(language="zh", channel="wechat"), "chinese-app", "cn-desk"),
    (Facts(language="en", channel="wechat"), "default", "general"),
    (Facts(language="zh", channel="email"), "default", "general"),
    (Facts(region="cn-north", product="Heater"), "north-safety", "safety"),
    (Facts(region="CN-South", product="heater"), "default", "general"),
    (Facts(), "default", "general"),
])
def test_each_field_matches_and_an_unmatched_complaint_takes_the_default(facts, rule_id, queue):
    decision = rules(RULES).route(facts)

    assert (decision.rule_id, decision.queue) == (rule_id, queue)


def test_the_first_matching_rule_by_priority_wins_whatever_the_file_order():
    rule_set = rules(RULES)
    everything = Facts(
        category="billing_charges", customer_tier="vip", severity="P1",
        keywords=("identity theft",), language="zh", channel="app",
    )

    decision = rule_set.route(everything)

    assert [rule.id for rule in rule_set.rules] == [
        "vip-p1", "fraud-words", "chinese-app", "north-safety", "billing"
    ]
    assert decision.rule_id == "vip-p1"
    assert decision.reason == "Rule vip-p1 (priority 10): customer_tier in vip; severity in P1"
    assert rule_set.route(Facts(category="billing_charges", keywords=("盗刷",))).rule_id == (
        "fraud-words"
    )


def test_a_rule_carries_its_skills_and_the_default_says_why():
    rule_set = rules(RULES)

    assert rule_set.route(Facts(category="billing_disputes")).skills == ("billing",)
    default = rule_set.route(Facts(category="other"))
    assert (default.skills, default.reason) == ((), "No rule matched; default queue general")


def test_the_version_is_kept_as_written_and_the_hash_is_of_the_bytes():
    content = textwrap.dedent(RULES).encode()

    rule_set = rules(RULES)

    assert rule_set.version == "2024.06"
    assert rule_set.content_hash == hashlib.sha256(content).hexdigest()
    assert rule_set.queues == frozenset({"general", "billing", "vip", "fraud", "cn-desk", "safety"})


def test_a_rule_without_conditions_matches_everything():
    rule_set = rules("""\
        version: "1"
        default: {queue: general}
        rules:
          - {id: all, priority: 1, queue: billing}
    """)

    assert rule_set.route(Facts()).rule_id == "all"


@pytest.mark.parametrize(("text", "line", "reason"), [
    ("", 1, "the file is empty"),
    ("version: [1\n", 2, "not valid YAML: expected ',' or ']', but got '<stream end>'"),
    ("default: {queue: general}\n", 1, "rule file: 'version' is required"),
    ("version: '1'\n", 1, "rule file: 'default' is required"),
    ("version: '1'\ndefault: {queue: nowhere}\n", 2,
     "queue 'nowhere' is not in the roster (known: billing, cn-desk, fraud, general, safety, vip)"),
    ("version: '1'\ndefault: {queue: general}\ncolour: red\n", 3,
     "rule file: unknown field 'colour' (allowed: default, description, rules, version)"),
    ("version: '1'\ndefault: {queue: general}\nrules:\n  - id: a\n    queue: general\n", 4,
     "rule a: 'priority' is required"),
    ("version: '1'\ndefault: {queue: general}\nrules:\n  - id: a\n    priority: high\n"
     "    queue: general\n", 5, "rule a: priority must be an integer, got 'high'"),
    ("version: '1'\ndefault: {queue: general}\nrules:\n  - id: a\n    priority: 1\n"
     "    queue: general\n    when:\n      mood: [angry]\n", 8,
     "rule a: when: unknown field 'mood' (allowed: category, channel, customer_tier, keywords, "
     "language, product, region, severity)"),
    ("version: '1'\ndefault: {queue: general}\nrules:\n  - id: a\n    priority: 1\n"
     "    queue: general\n    when:\n      severity: [P0]\n", 8,
     "rule a: severity: 'P0' is not one of P1, P2, P3"),
    ("version: '1'\ndefault: {queue: general}\nrules:\n  - id: a\n    priority: 1\n"
     "    queue: general\n    when:\n      channel: []\n", 8,
     "rule a: channel must not be an empty list"),
    ("version: '1'\ndefault: {queue: general}\nrules:\n"
     "  - {id: a, priority: 1, queue: general}\n  - {id: b, priority: 1, queue: billing}\n", 5,
     "rule b: priority 1 is already taken by rule a (first match must be unambiguous)"),
    ("version: '1'\ndefault: {queue: general}\nrules:\n"
     "  - {id: a, priority: 1, queue: general}\n  - {id: a, priority: 2, queue: billing}\n", 5,
     "rule id 'a' is already used on line 4"),
    ("version: '1'\ndefault: {queue: general}\nrules:\n  - {id: Bad Id, priority: 1, "
     "queue: general}\n", 4,
     "rule id 'Bad Id' must be lower-case letters, digits, '.', '_' or '-'"),
    ("version: '1'\ndefault: {queue: general}\nrules:\n  - {id: a, priority: 1, queue: vip}\n"
     "  - {id: b, priority: 2, queue: gone}\n", 5,
     "queue 'gone' is not in the roster (known: billing, cn-desk, fraud, general, safety, vip)"),
])
def test_an_invalid_file_is_rejected_with_the_line_and_reason(text, line, reason):
    with pytest.raises(ConfigFileError) as raised:
        parse_rules(text.encode(), source="routing.yaml", known_queues=QUEUES)

    assert (raised.value.line, raised.value.reason) == (line, reason)
    assert str(raised.value) == f"routing.yaml:{line}: {reason}"
