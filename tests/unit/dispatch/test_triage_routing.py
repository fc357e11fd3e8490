"""The shipped routing rules send a complaint intake could not categorise to triage."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.dispatch.roster import parse_roster
from services.dispatch.rule_file import parse_rules
from services.dispatch.ruleset import Facts

RULES = Path(__file__).resolve().parents[3] / "services" / "dispatch" / "rules"


@pytest.fixture(scope="module")
def shipped():
    roster = parse_roster((RULES / "roster.yaml").read_bytes(), source="roster.yaml")
    return parse_rules(
        (RULES / "routing.yaml").read_bytes(), source="routing.yaml",
        known_queues=set(roster.queues),
    )


@pytest.mark.parametrize(("facts", "rule_id", "queue"), [
    (Facts(category="triage", severity="P3", language="en"), "triage", "triage"),
    (Facts(category="triage", severity="P3", language="zh"), "triage", "triage"),
    (Facts(category="triage", keywords=("identity theft",)), "fraud-by-keyword", "fraud"),
    (Facts(category="billing_charges"), "billing", "billing"),
])
def test_triage_has_its_own_queue_and_fraud_words_still_come_first(
    shipped, facts: Facts, rule_id: str, queue: str,
) -> None:
    decision = shipped.route(facts)
    assert (decision.rule_id, decision.queue) == (rule_id, queue)
