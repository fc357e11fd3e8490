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
DISPATCH_DECISIONS = {"complaint.assigned.v1", "complaint.queued.v1"}


def effect_key(topic: str, event: dict) -> tuple | None:
    """What one consumer may record only once per complaint, or None for other events."""
    kind = event["type"]
    if topic == "dispatch.events.v1" and kind in DISPATCH_DECISIONS:
        return topic, kind
    if topic == "sla.events.v1" and kind == "sla.clock_started.v1":
        return topic, event["data"]["clock_key"], event["data"].get("run", 1)
    if topic == "resolution.events.v1" and kind == "resolution.case_opened.v1":
        return topic, "case"
    return None


def submission(run: str, n: int) -> tuple[bytes, bytes]:
    key = f"crash-{run}-{n}"
    event = ComplaintSubmitted(
        submission_id=key, channel="app", customer_id=f"cust-{run}-{n}",
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


def test_sigkilled_relays_and_consumers_lose_nothing(
    private_kafka_bootstrap, tmp_path, e2e_tokens
):
    kafka_bootstrap = private_kafka_bootstrap  # its 240 complaints stay out of other tests' way
    run = uuid.uuid4().hex[:8]
    env = {"KAFKA_BOOTSTRAP": kafka_bootstrap, "CONSUMER_SESSION_TIMEOUT_S": "6",
           **e2e_tokens.env}
    analyst = e2e_tokens.headers("analyst", tenant="default")
    with running(SERVICES, env=env, workdir=tmp_path) as platform:
        before = httpx.get(f"{platform['analytics'].url}/v1/analytics/complaints/count",
                           headers=analyst).json()
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
            effects = recorded_effects(published, run)
            return len(effects) == COMPLAINTS and all(covered(e) for e in effects.values())

        published = read_until(kafka_bootstrap, DOMAIN_TOPICS, settled, timeout_s=180)
        count = httpx.get(f"{platform['analytics'].url}/v1/analytics/complaints/count",
                          headers=analyst).json()

    effects = recorded_effects(published, run)
    copies = Counter(m.value["id"] for m in published if m.value["subject"] in effects)
    lost = COMPLAINTS - sum(1 for e in effects.values() if covered(e))
    duplicates_suppressed = sum(n - 1 for n in copies.values())
    doubled = {cid: key for cid, e in effects.items() for key, ids in e.items() if len(ids) > 1}
    print(f"\nkills={kills} produced={COMPLAINTS} consumed={len(effects)} lost={lost} "
          f"duplicates suppressed={duplicates_suppressed} doubled effects={len(doubled)}")

    assert len(kills) == len(VICTIMS)
    assert lost == 0
    assert doubled == {}
    assert count["received"] - before["received"] == COMPLAINTS


def recorded_effects(published, run: str) -> dict[str, dict[tuple, set[str]]]:
    """Per complaint of this run: each once-only effect and the distinct event ids recording it."""
    ours = {m.value["subject"] for m in published if m.topic == "intake.events.v1"
            and m.value["type"] == "complaint.received.v1"
            and m.value["data"].get("external_reference", "").startswith(f"crash-{run}")}
    effects: dict[str, dict[tuple, set[str]]] = {cid: defaultdict(set) for cid in ours}
    for m in published:
        if m.value["subject"] in ours and (key := effect_key(m.topic, m.value)):
            effects[m.value["subject"]][key].add(m.value["id"])
    return effects


def covered(effects: dict[tuple, set[str]]) -> bool:
    """Dispatch decided, SLA started the first-response clock, and assigned ones have a case."""
    keys = set(effects)
    decided = any(("dispatch.events.v1", kind) in keys for kind in DISPATCH_DECISIONS)
    assigned = ("dispatch.events.v1", "complaint.assigned.v1") in keys
    return (decided and ("sla.events.v1", "first_response", 1) in keys
            and (not assigned or ("resolution.events.v1", "case") in keys))
