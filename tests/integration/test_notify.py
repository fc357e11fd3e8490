"""Issue #16 on the real broker, with a real SMTP server and a local webhook receiver: notify
runs as its own process; upstream events are published straight onto their topics.

1. A complaint walks through warning, breach, escalation, resolution notice and survey: each
   recipient gets exactly its messages, once each, the Chinese-speaking customer in Chinese,
   and notify.events.v1 records every delivery without a body or an address.
2. notify is SIGKILLed again and again during a burst: every message arrives, and arrives once
   by its idempotency key (a provider drops a repeat by it); the counts are printed.
"""

from __future__ import annotations

import signal
import textwrap
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from contracts.dispatch import ComplaintAssigned
from contracts.envelope import DomainEvent, correlation_for, wrap
from contracts.intake import Channel, ComplaintClassified, ComplaintReceived, Severity
from contracts.resolution import CustomerNotified
from contracts.sla import SlaBreached, SlaEscalated, SlaWarningRaised
from contracts.topics import (
    DISPATCH_EVENTS,
    INTAKE_EVENTS,
    NOTIFY_EVENTS,
    RESOLUTION_EVENTS,
    SLA_EVENTS,
    TopicSpec,
)
from tests.auth_tokens import bearer
from tests.integration.notify_receivers import http_receiver, smtp_server, wait_for
from tests.processes import start, stop, wait_ready
from tests.topic_reader import produce, read_until

pytestmark = pytest.mark.integration

TENANT = "acme-cn"
NOON = datetime(2026, 12, 4, 4, 0, tzinfo=UTC)  # 12:00 in Shanghai: outside quiet hours


@pytest.fixture(scope="module")
def kafka_bootstrap(private_kafka_bootstrap: str) -> str:
    """A broker of this module's own: notify reads its topics from the beginning."""
    return private_kafka_bootstrap


class Events:
    """Envelopes of one complaint, numbered per producing service, at fixed times."""

    def __init__(self, complaint_id: str) -> None:
        self.complaint_id = complaint_id
        self.sequences: Counter[str] = Counter()

    def publish(self, bootstrap: str, topic: TopicSpec, *events: DomainEvent,
                at: datetime = NOON) -> list[bytes]:
        values = []
        for event in events:
            self.sequences[topic.producer] += 1
            values.append(wrap(
                event, source=f"/services/{topic.producer}", subject=self.complaint_id,
                sequence=self.sequences[topic.producer], tenant=TENANT,
                correlation_id=correlation_for(self.complaint_id), time=at,
            ).model_dump_json().encode())
        produce(bootstrap, topic, [(self.complaint_id.encode(), v) for v in values])
        return values


def notify_env(kafka_bootstrap: str, smtp_port: int, http_port: int, tokens) -> dict[str, str]:
    base = f"http://127.0.0.1:{http_port}"
    return {
        "KAFKA_BOOTSTRAP": kafka_bootstrap, "TENANT": TENANT, "SMTP_PORT": str(smtp_port),
        "SMTP_SENDER": "complaints@acme.example", "NOTIFY_INTERVAL_S": "0.2",
        "SURVEY_BASE_URL": "https://care.acme.example/v1/surveys",
        "SURVEY_SECRET": "integration-survey-secret",
        "NOTIFY_SECRET_WECOM_OPS_URL": f"{base}/wecom?key=k",
        "NOTIFY_SECRET_DINGTALK_OPS_URL": f"{base}/dingtalk?access_token=t",
        "NOTIFY_SECRET_DINGTALK_OPS_SIGN": "SECdingtalk",
        "NOTIFY_SECRET_ONCALL_HOOK_URL": f"{base}/hook",
        "NOTIFY_SECRET_ONCALL_HOOK_KEY": "hook-secret",
        "NOTIFY_SECRET_HOOK_URL": f"{base}/hook", "NOTIFY_SECRET_HOOK_KEY": "hook-secret",
        "CONSUMER_SESSION_TIMEOUT_S": "6", **tokens.env,
    }


def knows(notify, complaint_id: str, tokens) -> dict | None:
    """What notify knows of a complaint's recipients, or None before its first event."""
    answer = httpx.get(f"{notify.url}/v1/complaints/{complaint_id}/recipients",
                       headers=tokens.headers("supervisor", tenant=TENANT), timeout=10)
    return answer.json() if answer.status_code == 200 else None


def test_a_complaint_walks_through_and_each_recipient_hears_exactly_its_messages_once(
    kafka_bootstrap: str, tmp_path: Path, tokens
) -> None:
    complaint_id = str(uuid.uuid4())
    customer = f"cust-{uuid.uuid4().hex[:8]}"
    events = Events(complaint_id)
    with smtp_server() as (mailbox, smtp_port), http_receiver() as (receiver, http_port):
        notify = start("notify", env=notify_env(kafka_bootstrap, smtp_port, http_port, tokens),
                       workdir=tmp_path)
        try:
            wait_ready(notify)
            put = httpx.put(f"{notify.url}/v1/customers/{customer}/contact",
                            headers=bearer(tokens.client(tenant=TENANT)),
                            json={"email": "li.lei@example.cn"}, timeout=10)
            assert put.status_code == 204, put.text
            events.publish(kafka_bootstrap, INTAKE_EVENTS, ComplaintReceived(
                complaint_id=complaint_id, channel=Channel.WEB, customer_id=customer,
                subject="扣款两次", text="我的卡被扣了两次款", received_at=NOON,
                external_reference="CMP-2026-0042"), ComplaintClassified(
                complaint_id=complaint_id, category="billing.double_charge",
                severity=Severity.P2, confidence=0.93, language="zh"))
            events.publish(kafka_bootstrap, DISPATCH_EVENTS, ComplaintAssigned(
                complaint_id=complaint_id, queue="billing", agent_id="agent-0142",
                department="billing", rule_id="billing", rule_set_version="1",
                strategy="round_robin", reason="billing rule"))
            # The topics are consumed side by side: the alarms wait until the owner is known,
            # as they would in life (an SLA warning comes hours after the assignment).
            wait_for(lambda: knows(notify, complaint_id, tokens) == {
                "owner": "agent-0142", "department": "billing", "language": "zh",
                "customer_known": True}, "notify to learn the complaint's people")
            deadline = NOON + timedelta(hours=4)
            warning = events.publish(kafka_bootstrap, SLA_EVENTS, SlaWarningRaised(
                complaint_id=complaint_id, clock_id="clk-1", deadline_at=deadline,
                share_elapsed=0.8, target="resolution"))
            events.publish(kafka_bootstrap, SLA_EVENTS, SlaBreached(
                complaint_id=complaint_id, clock_id="clk-1", deadline_at=deadline,
                breached_at=deadline, target="resolution"), SlaEscalated(
                complaint_id=complaint_id, clock_id="clk-1", level="department_head",
                reason="breached by 2h", target="resolution"))
            # A replay of the warning (same envelope id) tells nobody anything twice.
            produce(kafka_bootstrap, SLA_EVENTS, [(complaint_id.encode(), warning[0])])
            events.publish(kafka_bootstrap, RESOLUTION_EVENTS, CustomerNotified(
                complaint_id=complaint_id, channel=Channel.EMAIL, message_kind="resolution"),
                CustomerNotified(complaint_id=complaint_id, channel=Channel.EMAIL,
                                 message_kind="survey", survey_id="sv-77"))
            records = read_until(
                kafka_bootstrap, [NOTIFY_EVENTS],
                lambda seen: len([m for m in seen if m.value["subject"] == complaint_id]) >= 8,
                timeout_s=120)
            wait_for(lambda: len(mailbox.snapshot()) >= 5 and len(receiver.snapshot()) >= 3,
                     "the messages the records say were sent")
            listed = httpx.get(f"{notify.url}/v1/complaints/{complaint_id}/notifications",
                               headers=tokens.headers("supervisor", tenant=TENANT), timeout=10)
        finally:
            stop(notify)

    mails = [(rcpt, m["Subject"], m.get_content().strip()) for rcpt, m in mailbox.snapshot()]
    assert Counter((rcpt, subject) for rcpt, subject, _ in mails) == Counter({
        ("agent-0142@example.com", "【CMP-2026-0042】时限预警"): 1,
        ("lead-billing@example.com", "【CMP-2026-0042】已超时"): 1,
        ("head-billing@example.com", "[CMP-2026-0042] Escalated to you"): 1,
        ("li.lei@example.cn", "您的投诉 CMP-2026-0042 已处理完毕"): 1,
        ("li.lei@example.cn", "请评价投诉 CMP-2026-0042 的处理"): 1,
    })
    customer_mails = [(subject, text) for rcpt, subject, text in mails
                      if rcpt == "li.lei@example.cn"]
    assert customer_mails == [  # the survey after the resolution notice, both in Chinese
        ("您的投诉 CMP-2026-0042 已处理完毕",
         "尊敬的客户，您的投诉 CMP-2026-0042 已处理完毕，处理结果可在投诉页面查看。"),
        ("请评价投诉 CMP-2026-0042 的处理",
         # sv-77's token under SURVEY_SECRET, as resolution derives it (runtime.survey_links)
         "请对投诉 CMP-2026-0042 的处理进行满意度评价：https://care.acme.example/v1/surveys/"
         "3bsy4g6fN1-n-e8F-T_EkV_bcj6zWQ8_dAW5ilSNe6g"),
    ]
    hits = receiver.snapshot()
    assert sorted((h.path, h.authentic) for h in hits) == [
        ("/dingtalk", True), ("/hook", True), ("/wecom", True)]
    assert {h.path: h.body.get("msgtype") for h in hits} == {
        "/dingtalk": "markdown", "/hook": None, "/wecom": "markdown"}
    assert next(h for h in hits if h.path == "/wecom").body["markdown"]["content"].startswith(
        "**【CMP-2026-0042】时限预警**")
    mine = [m.value for m in records if m.value["subject"] == complaint_id]
    assert Counter((v["type"], v["data"]["recipient"], v["data"]["channel"]) for v in mine) \
        == Counter({
            ("notification.sent.v1", "agent-0142", "email"): 1,
            ("notification.sent.v1", "agent-0142", "wecom"): 1,
            ("notification.sent.v1", "lead-billing", "email"): 1,
            ("notification.sent.v1", "lead-billing", "dingtalk"): 1,
            ("notification.sent.v1", "head-billing", "email"): 1,
            ("notification.sent.v1", "head-billing", "webhook"): 1,
            ("notification.sent.v1", "customer", "email"): 2,  # the notice, then the survey
        })
    raw = str(mine)
    assert "li.lei" not in raw and "已处理完毕" not in raw
    assert listed.status_code == 200, listed.text
    assert sorted((d["rule_id"], d["recipient"], d["channel"], d["status"])
                  for d in listed.json()) == sorted([
        ("sla-warning-owner", "agent-0142", "email", "sent"),
        ("sla-warning-owner", "agent-0142", "wecom", "sent"),
        ("sla-breach-lead", "lead-billing", "email", "sent"),
        ("sla-breach-lead", "lead-billing", "dingtalk", "sent"),
        ("sla-escalation-chain", "head-billing", "email", "sent"),
        ("sla-escalation-chain", "head-billing", "webhook", "sent"),
        ("resolution-notice", "customer", "email", "sent"),
        ("survey", "customer", "email", "sent"),
    ])


CRASH_RULES = """\
    version: "crash-1"
    endpoints:
      hook: {channel: webhook, url_secret: hook_url, signing_secret: hook_key}
    people:
    %s
    rules:
      - id: warn-owner
        event: sla.warning_raised.v1
        to: [owner]
        channels: [email, webhook]
        template: sla_warning
"""
WAVES, PER_WAVE = 5, 24


def test_notify_sigkilled_again_and_again_during_a_burst_delivers_every_message_once(
    kafka_bootstrap: str, tmp_path: Path, tokens
) -> None:
    run = uuid.uuid4().hex[:6]
    owners = [f"p-{run}-{n:03d}" for n in range(WAVES * PER_WAVE)]
    people = "\n".join(f"  {o}: {{email: {o}@example.com, webhook: hook}}" for o in owners)
    rules = tmp_path / "rules.yaml"
    rules.write_text(textwrap.dedent(CRASH_RULES) % people, encoding="utf-8")
    kills = 0
    with smtp_server() as (mailbox, smtp_port), http_receiver() as (receiver, http_port):
        env = {**notify_env(kafka_bootstrap, smtp_port, http_port, tokens),
               "NOTIFY_RULES_FILE": str(rules), "SERVICE": f"notify-crash-{run}"}

        def delivered() -> int:
            return len(mailbox.snapshot()) + len(receiver.snapshot())

        complaints = {owner: Events(str(uuid.uuid5(uuid.NAMESPACE_URL, owner)))
                      for owner in owners}
        notify = start("notify", env=env, workdir=tmp_path)
        try:
            wait_ready(notify)
            for owner, events in complaints.items():
                events.publish(kafka_bootstrap, DISPATCH_EVENTS, ComplaintAssigned(
                    complaint_id=events.complaint_id, queue="billing", agent_id=owner,
                    department="billing", rule_id="billing", rule_set_version="1",
                    strategy="round_robin", reason="billing rule"))
            wait_for(lambda: all(knows(notify, e.complaint_id, tokens) for e in
                                 complaints.values()), "every assignment consumed")
            for wave in range(WAVES):
                wait_ready(notify)
                before = delivered()
                for owner in owners[wave * PER_WAVE:(wave + 1) * PER_WAVE]:
                    events = complaints[owner]
                    events.publish(kafka_bootstrap, SLA_EVENTS, SlaWarningRaised(
                        complaint_id=events.complaint_id, clock_id="clk-1",
                        deadline_at=NOON + timedelta(hours=4), share_elapsed=0.8))
                # Killed mid-burst: as soon as this wave's first message is out.
                wait_for(lambda before=before: delivered() > before, f"wave {wave} sending")
                assert stop(notify, signal.SIGKILL) == -signal.SIGKILL
                kills += 1
                notify = start("notify", env=env, workdir=tmp_path)
            wait_ready(notify)
            wait_for(lambda: len({m["Message-ID"] for _, m in mailbox.snapshot()}) >= len(owners)
                     and len({h.key for h in receiver.snapshot()}) >= len(owners),
                     "every message", timeout_s=180)
            records = read_until(
                kafka_bootstrap, [NOTIFY_EVENTS],
                lambda seen: len({m.value["data"]["notification_id"] for m in seen
                                  if m.value["data"]["rules_version"] == "crash-1"})
                >= 2 * len(owners), timeout_s=120)
        finally:
            stop(notify)

    mails, hooks = mailbox.snapshot(), receiver.snapshot()
    distinct_mails = {m["Message-ID"]: rcpt for rcpt, m in mails}
    distinct_hooks = {h.key: h for h in hooks}
    raw, distinct = len(mails) + len(hooks), len(distinct_mails) + len(distinct_hooks)
    print(f"\nnotify crash test: {kills} SIGKILLs during {WAVES} waves; "
          f"{2 * len(owners)} messages expected, {distinct} arrived by idempotency key, "
          f"{raw} deliveries in all ({raw - distinct} repeats a provider drops by key)")
    # Each owner got exactly one mail and one webhook, by key.
    assert sorted(distinct_mails.values()) == sorted(f"{o}@example.com" for o in owners)
    assert len(distinct_hooks) == len(owners)
    assert all(h.authentic for h in hooks)
    assert Counter(h.body["subject"] for h in distinct_hooks.values()) == Counter(
        {f"【{str(uuid.uuid5(uuid.NAMESPACE_URL, o))[:8].upper()}】时限预警": 1 for o in owners})
    # A repeat can come only from a kill between a provider's answer and the stored outcome:
    # at most the one message in flight at each kill.
    assert raw - distinct <= kills
    mine = [m.value for m in records if m.value["data"]["rules_version"] == "crash-1"]
    # The delivery record: one `sent` per message, however often the process died.
    assert {v["type"] for v in mine} == {"notification.sent.v1"}
    assert len(mine) == len({v["data"]["notification_id"] for v in mine}) == 2 * len(owners)
