"""Planning: once per (event, recipient, channel) whatever the redeliveries; reminders cancelled
by their answer; the customer's address sealed, and unreadable once erased."""

from __future__ import annotations

import base64
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

from contracts.dispatch import ComplaintAssigned
from contracts.intake import (
    Channel,
    ComplaintClassified,
    ComplaintReceived,
    CustomerErased,
    Severity,
)
from contracts.notify import NotifyChannel
from contracts.resolution import (
    ApprovalRequested,
    CustomerNotified,
    ProposalApproved,
    TaskAssigned,
)
from contracts.sla import SlaWarningRaised
from runtime.inbox import Outcome
from services.notify.config import DEFAULT_RULES
from services.notify.domain import Status
from tests.unit.notify.conftest import COMPLAINT, NOON, TENANT, Harness, rules_file

CUSTOMER = "cust-77"


def filed(harness: Harness, *, language: str = "zh") -> None:
    harness.deliver(ComplaintReceived(
        complaint_id=COMPLAINT, channel=Channel.WEB, customer_id=CUSTOMER, subject="s",
        text="t", received_at=NOON, external_reference="CMP-7"))
    harness.deliver(ComplaintClassified(
        complaint_id=COMPLAINT, category="billing", severity=Severity.P2, confidence=0.9,
        language=language))
    harness.deliver(ComplaintAssigned(
        complaint_id=COMPLAINT, queue="billing", agent_id="agent-0142", department="billing",
        rule_id="r", rule_set_version="1", strategy="round_robin", reason="r"))


def planned(harness: Harness) -> list[tuple[str, str, str, str]]:
    return sorted((n.rule_id, n.recipient, n.channel, n.status.value)
                  for n in harness.app.notifications_of(COMPLAINT))


def warning() -> SlaWarningRaised:
    return SlaWarningRaised(complaint_id=COMPLAINT, clock_id="c1", deadline_at=NOON,
                            share_elapsed=0.8, target="resolution")


def test_a_warning_plans_one_message_per_channel_of_the_owner(harness: Harness):
    filed(harness)

    harness.deliver(warning())

    assert planned(harness) == [("sla-warning-owner", "agent-0142", "email", "pending"),
                                ("sla-warning-owner", "agent-0142", "wecom", "pending")]
    facts = next(iter(harness.app.notifications_of(COMPLAINT))).facts
    assert facts == {"reference": "CMP-7", "target": "resolution", "target_zh": "解决",
                     "level_zh": "", "deadline_at": "2026-12-04 04:00 UTC",
                     "share_elapsed": 0.8, "share": "80%"}


def test_a_redelivered_event_plans_nothing_more(harness: Harness):
    filed(harness)
    envelope = harness.deliver(warning())

    outcome = harness.inboxes[SlaWarningRaised].process(envelope, warning())

    assert outcome is Outcome.DUPLICATE
    assert len(planned(harness)) == 2


def test_an_answered_approval_cancels_its_reminder(harness: Harness):
    filed(harness)
    harness.deliver(ApprovalRequested(complaint_id=COMPLAINT, proposal_id="p1",
                                      approver_role="finance", step=1))

    harness.deliver(ProposalApproved(complaint_id=COMPLAINT, proposal_id="p1",
                                     approver="finance-1", step=1, final=True))

    assert planned(harness) == [("approval-waiting", "finance-1", "email", "cancelled")]


def test_a_task_reminder_waits_for_the_due_time(harness: Harness):
    filed(harness)
    due = NOON + timedelta(days=2)

    harness.deliver(TaskAssigned(complaint_id=COMPLAINT, proposal_id="p1", task_id="t1",
                                 title="refund", assignee="agent-0142", due_at=due,
                                 assigned_by="lead-billing"))

    assert {(n.recipient, n.channel, n.not_before) for n in
            harness.app.notifications_of(COMPLAINT)} == {
        ("agent-0142", "email", due), ("agent-0142", "wecom", due)}


def test_the_customer_is_told_only_where_they_gave_an_address(harness: Harness):
    harness.app.register_contact(tenant=TENANT, customer_id=CUSTOMER,
                                 addresses={NotifyChannel.EMAIL: "li.lei@example.cn"},
                                 language=None)
    filed(harness)

    harness.deliver(CustomerNotified(complaint_id=COMPLAINT, channel=Channel.EMAIL,
                                     message_kind="resolution"))
    harness.deliver(CustomerNotified(complaint_id=COMPLAINT, channel=Channel.EMAIL,
                                     message_kind="survey", survey_id="sv-1"))

    notice, survey = sorted(harness.app.notifications_of(COMPLAINT), key=lambda n: n.rule_id)
    assert (notice.rule_id, notice.recipient, notice.channel, notice.language) == (
        "resolution-notice", "customer", "email", "zh")
    assert (survey.rule_id, survey.after) == ("survey", [str(notice.id)])
    assert harness.app.customer_address(notice) == "li.lei@example.cn"
    contact = harness.app.contact(TENANT, CUSTOMER)
    assert "li.lei" not in str(contact.sealed)


def test_erasure_leaves_the_address_unreadable_and_plans_nothing_for_the_customer(
        harness: Harness):
    harness.app.register_contact(tenant=TENANT, customer_id=CUSTOMER,
                                 addresses={NotifyChannel.EMAIL: "li.lei@example.cn"},
                                 language="en")
    filed(harness)
    harness.deliver(CustomerNotified(complaint_id=COMPLAINT, channel=Channel.EMAIL,
                                     message_kind="resolution"))
    notice = next(iter(harness.app.notifications_of(COMPLAINT)))

    harness.deliver(CustomerErased(customer_id=CUSTOMER, erased_at=datetime.now(UTC),
                                   reason="requested"))
    harness.deliver(CustomerNotified(complaint_id=COMPLAINT, channel=Channel.EMAIL,
                                     message_kind="survey", survey_id="sv-1"))

    assert harness.app.customer_address(notice) is None
    assert harness.app.contact(TENANT, CUSTOMER).erased is True
    assert [n.rule_id for n in harness.app.notifications_of(COMPLAINT)] == ["resolution-notice"]
    assert notice.status is Status.PENDING


def spellings(text: str) -> list[bytes]:
    raw = text.encode()
    return [raw, raw.hex().encode(),
            *(base64.b64encode(b"\0" * k + raw)[4:-4] for k in range(3))]


def test_no_table_of_notifys_store_holds_the_customers_address(harness: Harness,
                                                               tmp_path: Path):
    harness.app.register_contact(tenant=TENANT, customer_id=CUSTOMER,
                                 addresses={NotifyChannel.EMAIL: "li.lei@example.cn"},
                                 language="zh")
    filed(harness)
    harness.deliver(CustomerNotified(complaint_id=COMPLAINT, channel=Channel.EMAIL,
                                     message_kind="resolution"))
    harness.deliver(CustomerErased(customer_id=CUSTOMER, erased_at=NOON, reason="requested"))

    with sqlite3.connect(tmp_path / "notify.sqlite") as db:
        tables = [name for (name,) in db.execute("SELECT name FROM sqlite_master "
                                                  "WHERE type = 'table'")]
        blob = b"".join(repr(row).encode() + b"".join(
            v for v in row if isinstance(v, bytes)) for table in tables
            for row in db.execute(f'SELECT * FROM "{table}"'))
    assert "li.lei" not in blob.decode(errors="replace")
    assert sum(blob.count(s) for s in spellings("li.lei@example.cn")) == 0
    assert b"pii:v1:" in blob  # the address is there, sealed under a key that is gone


def test_a_changed_rule_file_is_in_force_for_the_next_event(harness: Harness, tmp_path: Path):
    rules = tmp_path / "rules.yaml"
    rules.write_text(DEFAULT_RULES.read_text(encoding="utf-8"), encoding="utf-8")
    watched = rules_file(rules)
    harness.app.rules = watched.current
    filed(harness)
    harness.deliver(warning())
    rules.write_text(rules.read_text(encoding="utf-8").replace(
        'version: "2026.12.1"', 'version: "2026.12.2"').replace(
        "    channels: [email, wecom]\n    template: sla_warning",
        "    channels: [email]\n    template: sla_warning"), encoding="utf-8")

    harness.deliver(warning(), at=NOON + timedelta(hours=1))

    assert sorted((n.rules_version, n.channel) for n in
                  harness.app.notifications_of(COMPLAINT)) == [
        ("2026.12.1", "email"), ("2026.12.1", "wecom"), ("2026.12.2", "email")]
