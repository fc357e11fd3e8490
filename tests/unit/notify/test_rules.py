"""The rule file: parsed with line-exact errors; routing picks recipients, channels and times."""

from __future__ import annotations

import textwrap
from datetime import UTC, datetime, time, timedelta

import pytest

from contracts.notify import NotifyChannel, RecipientRole
from runtime.yaml_nodes import ConfigFileError
from services.notify.config import DEFAULT_RULES
from services.notify.quiet import QuietHours
from services.notify.routing import ComplaintFacts, CustomerPreferences, plan
from services.notify.rule_file import parse_rules

NOON = datetime(2026, 12, 4, 4, 0, tzinfo=UTC)  # 12:00 in Shanghai
NIGHT = datetime(2026, 12, 4, 15, 30, tzinfo=UTC)  # 23:30 in Shanghai
FILED = ComplaintFacts(owner="agent-0142", department="billing", language="zh")


def rules(text: str = ""):
    return parse_rules(DEFAULT_RULES.read_bytes() if not text else
                       textwrap.dedent(text).encode(), source="notify.yaml")


def sent(planned) -> list[tuple[str, str, str]]:
    return sorted((p.recipient, p.role.value, p.channel.value) for p in planned)


def test_the_default_rules_parse_with_their_version():
    parsed = rules()

    assert parsed.version == "2026.12.1"
    assert [r.id for r in parsed.rules] == [
        "sla-warning-owner", "sla-breach-lead", "sla-escalation-chain", "resolution-notice",
        "survey", "task-overdue", "approval-waiting", "spike-subscribers"]
    assert parsed.quiet_hours == QuietHours(time(22), time(8), "Asia/Shanghai")


def test_a_warning_goes_to_the_owner_on_each_of_the_rules_channels():
    planned = plan(rules(), "sla.warning_raised.v1", {"target": "resolution"}, NOON, FILED, None)

    assert sent(planned) == [("agent-0142", "owner", "email"), ("agent-0142", "owner", "wecom")]
    assert {p.language for p in planned} == {"zh"}
    assert {p.not_before for p in planned} == {NOON}


def test_a_breach_goes_to_the_lead_and_an_escalation_to_the_level_of_the_chain():
    breach = plan(rules(), "sla.breached.v1", {}, NOON, FILED, None)
    head = plan(rules(), "sla.escalated.v1", {"level": "department_head"}, NOON, FILED, None)

    assert sent(breach) == [("lead-billing", "department_lead", "dingtalk"),
                            ("lead-billing", "department_lead", "email")]
    assert sent(head) == [("head-billing", "escalation_chain", "email"),
                          ("head-billing", "escalation_chain", "webhook")]
    assert {p.language for p in head} == {"en"}


def test_the_customer_is_told_on_the_channels_they_gave_in_their_language():
    customer = CustomerPreferences(channels=(NotifyChannel.EMAIL,), language="en")

    planned = plan(rules(), "resolution.customer_notified.v1", {"message_kind": "resolution"},
                   NOON, FILED, customer)

    assert [(p.recipient, p.role, p.channel, p.language) for p in planned] == [
        ("customer", RecipientRole.CUSTOMER, NotifyChannel.EMAIL, "en")]


def test_without_a_language_of_their_own_the_customer_is_told_in_the_complaints():
    customer = CustomerPreferences(channels=(NotifyChannel.SMS,))

    planned = plan(rules(), "resolution.customer_notified.v1", {"message_kind": "survey"},
                   NOON, FILED, customer)

    assert [(p.rule.id, p.channel, p.language) for p in planned] == [
        ("survey", NotifyChannel.SMS, "zh")]


def test_a_message_kind_no_rule_names_plans_nothing():
    customer = CustomerPreferences(channels=(NotifyChannel.EMAIL,))

    assert plan(rules(), "resolution.customer_notified.v1", {"message_kind": "progress_update"},
                NOON, FILED, customer) == []


def test_quiet_hours_hold_a_warning_until_eight_but_not_an_urgent_breach():
    warning = plan(rules(), "sla.warning_raised.v1", {}, NIGHT, FILED, None)
    breach = plan(rules(), "sla.breached.v1", {}, NIGHT, FILED, None)

    assert {p.not_before for p in warning} == {datetime(2026, 12, 5, 0, 0, tzinfo=UTC)}
    assert {p.not_before for p in breach} == {NIGHT}


def test_a_reminder_waits_for_the_due_time_or_the_delay():
    due = datetime(2026, 12, 8, 2, 0, tzinfo=UTC)
    task = plan(rules(), "resolution.task_assigned.v1", {"assignee": "agent-0142",
                                                        "due_at": due}, NOON, FILED, None)
    approval = plan(rules(), "resolution.approval_requested.v1",
                    {"approver_role": "finance"}, NOON, FILED, None)

    assert {(p.recipient, p.not_before) for p in task} == {("agent-0142", due)}
    assert sent(approval) == [("finance-1", "approvers", "email")]
    assert {p.not_before for p in approval} == {NOON + timedelta(hours=4)}


PREFERENCES = """\
    version: "1"
    people:
      a: {email: a@example.com, sms: "+8613800000000", channels: [sms],
          mute: [sla.breached.v1], quiet_hours: {start: "00:00", end: "06:00"}}
    departments: {billing: {lead: a}}
    rules:
      - {id: w, event: sla.warning_raised.v1, to: [owner], channels: [email, sms], template: t}
      - {id: b, event: sla.breached.v1, to: [department_lead], channels: [email], template: t}
"""


def test_a_persons_preferences_narrow_channels_mute_events_and_set_their_quiet_hours():
    own = rules(PREFERENCES)
    facts = ComplaintFacts(owner="a", department="billing")
    at_one = datetime(2026, 12, 4, 1, 0, tzinfo=UTC)

    warning = plan(own, "sla.warning_raised.v1", {}, at_one, facts, None)

    assert [(p.channel, p.not_before) for p in warning] == [
        (NotifyChannel.SMS, datetime(2026, 12, 4, 6, 0, tzinfo=UTC))]
    assert plan(own, "sla.breached.v1", {}, at_one, facts, None) == []


@pytest.mark.parametrize(("text", "line", "reason"), [
    ("version: '1'\nrules:\n  - {id: a, event: sla.nope.v1, to: [owner], channels: [email],"
     " template: t}\n", 3, "'sla.nope.v1' is not a published event type"),
    ("version: '1'\nrules:\n  - {id: a, event: sla.breached.v1, to: [boss], channels: [email],"
     " template: t}\n", 3, "'boss' is not one of"),
    ("version: '1'\nrules:\n  - {id: a, event: sla.breached.v1, to: [owner], channels: [fax],"
     " template: t}\n", 3, "'fax' is not one of"),
    ("version: '1'\nrules:\n  - {id: a, event: sla.breached.v1, to: [owner], channels: [email],"
     " template: t, after: b}\n", 3, "after 'b': no such rule"),
    ("version: '1'\nquiet_hours: {start: '22:00', end: '8 am'}\nrules: []\n", 2,
     "times are HH:MM"),
    ("version: '1'\nrules:\n  - {id: a, on: sla.breached.v1}\n", 3, "keys must be strings"),
])
def test_a_mistake_is_refused_naming_its_line(text: str, line: int, reason: str):
    with pytest.raises(ConfigFileError) as refused:
        parse_rules(text.encode(), source="notify.yaml")

    assert refused.value.line == line
    assert reason in refused.value.reason


def test_a_rule_naming_a_template_that_does_not_exist_is_refused():
    text = ("version: '1'\nrules:\n  - {id: a, event: sla.breached.v1, to: [owner], "
            "channels: [email], template: nope}\n")

    with pytest.raises(ConfigFileError, match="no template 'nope'"):
        parse_rules(text.encode(), source="notify.yaml", templates={"sla_breach"})
