"""Relays and consumers killed with SIGKILL mid-flow lose nothing and double nothing."""

from __future__ import annotations

import signal
import threading
import time
import uuid
from collections import Counter, defaultdict

import httpx
import pytest

from contracts.envelope import wrap
from contracts.inbound import ComplaintSubmitted
from contracts.topics import DOMAIN_TOPICS, INBOUND
from tests.processes import SERVICES, running, start, stop, wait_ready
from tests.topic_reader import produce, read_until

pytestmark = pytest.mark.e2e

COMPLAINTS = 240
VICTIMS = ("intake", "dispatch", "resolution", "intake", "sla", "dispatch")
DOWNSTREAM = {
    "dispatch.events.v1": "complaint.assigned.v1",
    "sla.events.v1": "sla.clock_started.v1",
    "resolution.events.v1": "resolution.case_opened.v1",
}


def submission(run: str, n: int) -> tuple[bytes, bytes]:
    key = f"crash-{run}-{n}"
    event = ComplaintSubmitted(
        submission_id=key, channel="app", customer_id=f"cust-{n % 37}",
        subject="Payment failed", text=f"Payment {n} failed but money left my account.",
        external_reference=key, idempotency_key=key,
    )
    envelope = wrap(event, source="/adapters/app", subject=key, sequence=1, tenant="default",
                    correlation_id=uuid.uuid4())
    return key.encode(), envelope.model_dump_json().encode()


def kill_and_restart(platform, env, workdir, stop_flag: threading.Event, kills: list[str]):
    for name in VICTIMS:
        if stop_flag.wait(2.5):
            return
        victim = platform[name]
        stop(victim, signal.SIGKILL)
        kills.append(name)
        platform[name] = start(name, env=env, workdir=workdir, port=victim.port)
        wait_ready(platform[name])


def test_sigkilled_relays_and_consumers_lose_nothing(kafka_bootstrap, tmp_path):
    run = uuid.uuid4().hex[:8]
    env = {"KAFKA_BOOTSTRAP": kafka_bootstrap, "CONSUMER_SESSION_TIMEOUT_S": "6"}
    with running(SERVICES, env=env, workdir=tmp_path) as platform:
        before = httpx.get(f"{platform['analytics'].url}/v1/analytics/complaints/count").json()
        kills: list[str] = []
        stop_flag = threading.Event()
        chaos = threading.Thread(
            target=kill_and_restart, args=(platform, env, tmp_path, stop_flag, kills)
        )
        chaos.start()
        for first in range(0, COMPLAINTS, 20):  # produce() returns once the broker acked
            batch = [submission(run, n) for n in range(first, first + 20)]
            produce(kafka_bootstrap, INBOUND, batch)
            time.sleep(0.8)
        chaos.join()
        stop_flag.set()

        def settled(published) -> bool:
            ids = {m.value["subject"] for m in published if m.topic == "intake.events.v1"
                   and m.value["data"].get("external_reference", "").startswith(f"crash-{run}")}
            done = defaultdict(set)
            for m in published:
                if m.value["subject"] in ids and DOWNSTREAM.get(m.topic) == m.value["type"]:
                    done[m.topic].add(m.value["subject"])
            return len(ids) == COMPLAINTS and all(len(done[t]) == COMPLAINTS for t in DOWNSTREAM)

        published = read_until(kafka_bootstrap, DOMAIN_TOPICS, settled, timeout_s=180)
        count = httpx.get(f"{platform['analytics'].url}/v1/analytics/complaints/count").json()

    received = [m.value for m in published if m.topic == "intake.events.v1"
                and m.value["data"].get("external_reference", "").startswith(f"crash-{run}")]
    complaint_of = {}
    for event in received:
        complaint_of.setdefault(event["data"]["external_reference"], set()).add(event["subject"])
    ours = {cid for cids in complaint_of.values() for cid in cids}
    copies = Counter(m.value["id"] for m in published if m.value["subject"] in ours)
    effects = {topic: Counter(m.value["subject"] for m in published if m.topic == topic
                              and m.value["type"] == kind and m.value["subject"] in ours)
               for topic, kind in DOWNSTREAM.items()}
    distinct_effects = {
        topic: Counter({cid: len({m.value["id"] for m in published if m.topic == topic
                                  and m.value["type"] == DOWNSTREAM[topic]
                                  and m.value["subject"] == cid}) for cid in ours})
        for topic in DOWNSTREAM
    }
    lost = COMPLAINTS - len(complaint_of)
    duplicates_suppressed = sum(n - 1 for n in copies.values())
    print(f"\nkills={kills} produced={COMPLAINTS} consumed={len(complaint_of)} lost={lost} "
          f"duplicates suppressed={duplicates_suppressed}")

    assert len(kills) == len(VICTIMS)
    assert lost == 0
    assert all(len(cids) == 1 for cids in complaint_of.values())
    for topic in DOWNSTREAM:
        assert set(effects[topic]) == ours
        assert set(distinct_effects[topic].values()) == {1}, topic
    assert count["received"] - before["received"] == COMPLAINTS
