"""Dispatch on the real broker: a burst of classified complaints is routed by the rules and
never beyond any agent's capacity; freed slots go to the waiting in order; a changed rule file
routes the next complaint and its reload is recorded."""

from __future__ import annotations

import asyncio
import json
import textwrap
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from contracts.envelope import DomainEvent, correlation_for, event_id, wrap
from contracts.intake import ComplaintClassified
from contracts.resolution import ComplaintClosed
from contracts.topics import DISPATCH_EVENTS, INTAKE_EVENTS, RESOLUTION_EVENTS, TopicSpec
from runtime.eventstore import persistence_env
from services.dispatch.application import DispatchApplication
from services.dispatch.bootstrap import bootstrap
from services.dispatch.config import DispatchSettings
from services.dispatch.desk import Desk
from services.dispatch.rule_history import RuleSetHistory

pytestmark = pytest.mark.integration

# Other tests share the broker and publish on intake.events.v1 too: only this run's region is
# routed to the queues under test, everything else sinks into a queue nobody serves.
ROSTER = """\
    executive: exec
    departments:
      service: {supervisor: sup-s, team_lead: lead-s, head: head-s}
      fraud: {supervisor: sup-f, team_lead: lead-f, head: head-f}
      quality: {supervisor: sup-q, team_lead: lead-q, head: head-q}
    queues:
      sink: {department: service, strategy: round_robin}
      general: {department: service, strategy: round_robin}
      fraud: {department: fraud, strategy: skill_based}
      safety: {department: quality, strategy: skill_based}
      audit: {department: quality, strategy: skill_based}
    agents:
      - {id: gen-1, queues: [general], capacity: 2}
      - {id: gen-2, queues: [general], capacity: 2}
      - {id: fr-1, queues: [fraud], skills: [fraud], capacity: 2}
      - {id: fr-2, queues: [fraud], skills: [fraud], capacity: 1}
      - {id: qc-1, queues: [safety], skills: [safety], capacity: 2}
      - {id: au-1, queues: [audit], capacity: 1}
"""

RULES = """\
    version: "it-1"
    default: {queue: sink}
    rules:
      - id: fraud
        priority: 10
        when: {category: [fraud_unauthorised], region: [REGION]}
        queue: fraud
        skills: [fraud]
      - id: safety
        priority: 20
        when: {category: [product_quality_safety], region: [REGION]}
        queue: safety
        skills: [safety]
      - id: recall-words
        priority: 30
        when: {keywords: [recall], region: [REGION]}
        queue: safety
      - {id: general, priority: 90, when: {region: [REGION]}, queue: general}
"""


def rules_for(run: str, version: str = "it-1", extra: str = "") -> str:
    return textwrap.dedent(RULES).replace("REGION", run).replace("it-1", version) + extra


def settings_for(tmp_path: Path, kafka_bootstrap: str, run: str) -> DispatchSettings:
    """Dispatch on its own store, consumer group, roster and rule file."""
    (tmp_path / "roster.yaml").write_text(textwrap.dedent(ROSTER))
    (tmp_path / "routing.yaml").write_text(rules_for(run))
    return DispatchSettings(
        kafka_bootstrap=kafka_bootstrap, data_dir=tmp_path, service=f"dispatch-it-{run}",
        roster_path=tmp_path / "roster.yaml", routing_rules_path=tmp_path / "routing.yaml",
        tenant="it",  # the tenant of the envelopes these tests publish
        consumer_retry_backoff_s=0.05,
    )


def envelope(source: str, event: DomainEvent, sequence: int) -> bytes:
    """A published envelope as the producing service would put it on its topic."""
    subject = event.complaint_id
    return wrap(
        event, source=source, subject=subject, sequence=sequence, tenant="it",
        correlation_id=correlation_for(subject), time=datetime.now(UTC),
    ).model_dump_json().encode()


def classified(complaint_id: str, category: str, severity: str = "P3", **data: Any) -> bytes:
    return envelope("/services/intake", ComplaintClassified(
        complaint_id=complaint_id, category=category, severity=severity, confidence=0.9,
        language="en", region=complaint_id.rsplit("-", 1)[1], **data,
    ), 2)


def closed(complaint_id: str) -> bytes:
    return envelope("/services/resolution", ComplaintClosed(
        complaint_id=complaint_id, closed_by="agent", root_cause_category="other",
        exception_reason="integration test",
    ), 9)


class Tail:
    """Keeps reading a topic from the start; waits until what was read satisfies a test."""

    def __init__(self, bootstrap: str, topic: TopicSpec, keep: Callable[[dict], bool]) -> None:
        self.consumer = AIOKafkaConsumer(
            topic.name, bootstrap_servers=bootstrap, group_id=f"tail-{uuid.uuid4()}",
            auto_offset_reset="earliest", enable_auto_commit=False,
        )
        self.keep = keep
        self.seen: list[dict] = []

    async def __aenter__(self) -> Tail:
        await self.consumer.start()
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.consumer.stop()

    async def until(self, done: Callable[[list[dict]], bool], timeout_s: float = 60) -> list[dict]:
        """Everything kept so far once `done` holds; TimeoutError otherwise."""
        async with asyncio.timeout(timeout_s):
            while not done(self.seen):
                for records in (await self.consumer.getmany(timeout_ms=200)).values():
                    found = (json.loads(r.value) for r in records)
                    self.seen.extend(e for e in found if self.keep(e))
        return list(self.seen)


async def publish(bootstrap: str, messages: list[tuple[TopicSpec, str, bytes]]) -> None:
    """Put each message on its topic keyed by complaint id, and wait for the acks."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        sent = [await producer.send(topic.name, value=value, key=key.encode())
                for topic, key, value in messages]
        await asyncio.gather(*sent)
    finally:
        await producer.stop()


def intake(complaint_id: str, value: bytes) -> tuple[TopicSpec, str, bytes]:
    return INTAKE_EVENTS, complaint_id, value


def resolution(complaint_id: str, value: bytes) -> tuple[TopicSpec, str, bytes]:
    return RESOLUTION_EVENTS, complaint_id, value


def of_run(run: str) -> Callable[[dict], bool]:
    return lambda e: e["subject"].endswith(run)


def desk_loads(app) -> list[tuple[str, int]]:
    """Every agent's load after each change of a desk, replayed from the stored events."""
    loads: dict[str, int] = {}
    trace = []
    for notification in app.recorder.select_notifications(None, 100_000):
        stored = app.mapper.to_domain_event(notification)
        if isinstance(stored, Desk.Took):
            loads[stored.agent_id] = loads.get(stored.agent_id, 0) + 1
            trace.append((stored.agent_id, loads[stored.agent_id]))
        elif isinstance(stored, Desk.Released):
            loads[stored.agent_id] -= 1
    return trace


CAPACITY = {"gen-1": 2, "gen-2": 2, "fr-1": 2, "fr-2": 1, "qc-1": 2, "au-1": 1}


async def test_a_burst_is_assigned_by_the_rules_within_capacity_and_freed_slots_go_in_order(
    kafka_bootstrap, tmp_path
):
    run = uuid.uuid4().hex[:8]
    _, runtime = bootstrap(settings_for(tmp_path, kafka_bootstrap, run))
    burst = (
        [(f"fraud-{n}-{run}", "fraud_unauthorised", {}) for n in range(5)]
        + [(f"safety-{n}-{run}", "product_quality_safety", {}) for n in range(2)]
        + [(f"recall-{run}", "other", {"keywords": ["recall"]})]
        + [(f"other-{n}-{run}", "billing_charges", {}) for n in range(3)]
    )
    expected_queue = {
        **{c: "fraud" for c, *_ in burst[:5]}, **{c: "safety" for c, *_ in burst[5:8]},
        **{c: "general" for c, *_ in burst[8:]},
    }
    waiting = [(f"w-p2a-{run}", "P2"), (f"w-p1-{run}", "P1"), (f"w-p2b-{run}", "P2")]

    async with runtime.running(), Tail(kafka_bootstrap, DISPATCH_EVENTS, of_run(run)) as tail:
        await publish(kafka_bootstrap, [intake(c, classified(c, cat, **data))
                                        for c, cat, data in burst])
        first = await tail.until(lambda seen: len(seen) >= len(burst))

        # Later complaints arrive one at a time, so their order in the queue is known.
        for n, (complaint, severity) in enumerate(waiting, start=1):
            await publish(kafka_bootstrap, [intake(
                complaint, classified(complaint, "fraud_unauthorised", severity)
            )])
            await tail.until(lambda seen, n=n: len(seen) >= len(burst) + n)

        holders = [e["subject"] for e in first
                   if e["data"]["queue"] == "fraud" and e["type"] == "complaint.assigned.v1"]
        await publish(kafka_bootstrap, [resolution(c, closed(c)) for c in holders])
        freed = await tail.until(lambda seen: len(seen) >= len(burst) + len(waiting) + 3)

    by_complaint = {e["subject"]: e for e in first}
    assert sorted(by_complaint) == sorted(expected_queue)
    assert {c: e["data"]["queue"] for c, e in by_complaint.items()} == expected_queue
    assert {c: e["data"]["rule_id"] for c, e in by_complaint.items()} == {
        **{c: "fraud" for c, *_ in burst[:5]}, **{c: "safety" for c, *_ in burst[5:7]},
        burst[7][0]: "recall-words", **{c: "general" for c, *_ in burst[8:]},
    }
    assert {e["data"]["rule_set_version"] for e in first} == {"it-1"}
    assigned = [e for e in first if e["type"] == "complaint.assigned.v1"]
    per_agent = {agent: sum(e["data"]["agent_id"] == agent for e in assigned) for agent in CAPACITY}
    assert per_agent == {"gen-1": 2, "gen-2": 1, "fr-1": 2, "fr-2": 1, "qc-1": 2, "au-1": 0}
    queued = [e for e in first if e["type"] == "complaint.queued.v1"]
    assert sorted(e["data"]["queue"] for e in queued) == ["fraud", "fraud", "safety"]
    assert [e["type"] for e in freed[len(burst):len(burst) + len(waiting)]] == [
        "complaint.queued.v1"
    ] * len(waiting)
    # Each close freed one fraud slot, taken by the waiting complaint first by priority
    # (P1), then by arrival: the P3 ones of the burst wait longest.
    after = sorted(
        freed[len(burst) + len(waiting):], key=lambda e: datetime.fromisoformat(e["time"])
    )
    assert [(e["subject"], e["data"]["trigger"]) for e in after] == [
        (f"w-p1-{run}", "capacity_freed"), (f"w-p2a-{run}", "capacity_freed"),
        (f"w-p2b-{run}", "capacity_freed"),
    ]
    assert {e["causationid"] for e in after} == {
        str(event_id("/services/resolution", c, 9)) for c in holders
    }
    app = DispatchApplication(env=persistence_env(runtime.settings.event_store_url))
    try:
        assert all(load <= CAPACITY[agent] for agent, load in desk_loads(app))
    finally:
        app.close()


async def test_a_changed_rule_file_routes_the_next_complaint_and_its_reload_is_recorded(
    kafka_bootstrap, tmp_path
):
    run = uuid.uuid4().hex[:8]
    settings = settings_for(tmp_path, kafka_bootstrap, run)
    _, runtime = bootstrap(settings)
    before, after = f"before-{run}", f"after-{run}"

    async with runtime.running(), Tail(kafka_bootstrap, DISPATCH_EVENTS, of_run(run)) as tail:
        await publish(kafka_bootstrap, [intake(before, classified(before, "billing_charges"))])
        await tail.until(lambda seen: len(seen) == 1)
        settings.routing_rules_path.write_text(rules_for(run, "it-2", (
            f"  - {{id: billing, priority: 5, when: {{category: [billing_*], region: [{run}]}},"
            " queue: audit}\n"
        )))
        await publish(kafka_bootstrap, [intake(after, classified(after, "billing_charges"))])
        seen = await tail.until(lambda seen: len(seen) == 2)

    routed = {e["subject"]: e["data"] for e in seen}
    assert [(routed[c]["rule_id"], routed[c]["rule_set_version"], routed[c]["queue"],
             routed[c]["agent_id"]) for c in (before, after)] == [
        ("general", "it-1", "general", "gen-1"), ("billing", "it-2", "audit", "au-1"),
    ]
    app = DispatchApplication(env=persistence_env(settings.event_store_url))
    try:
        history = app.rule_history()
        reloads = [e for e in app.events.get(history.id) if isinstance(e, RuleSetHistory.Reloaded)]
    finally:
        app.close()
    assert [(e.rule_set_version, e.previous_version, e.trigger, e.rule_ids) for e in reloads] == [
        ("it-1", None, "file_changed", ["fraud", "safety", "recall-words", "general"]),
        ("it-2", "it-1", "file_changed", ["billing", "fraud", "safety", "recall-words",
                                          "general"]),
    ]
    assert reloads[1].content_hash == routed[after]["rule_set_hash"]
    assert reloads[0].content_hash == routed[before]["rule_set_hash"]
