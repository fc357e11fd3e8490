"""Consumers killed with SIGKILL while they apply batches lose nothing and double nothing.

Intake and dispatch apply what they consume in batches, one transaction each (runtime.stream,
runtime.batch_commit). A burst of submissions keeps both busy with full batches; each is
killed as soon as it has applied some batches and is still short of the burst, and started
again. Every submission must end as exactly one complaint (one complaint.received event) with
exactly one dispatch decision.
"""

from __future__ import annotations

import re
import signal
import threading
import time
import uuid
from collections import defaultdict

import httpx
import pytest

from contracts.topics import DISPATCH_EVENTS, INBOUND, INTAKE_EVENTS
from tests.e2e.test_crash_recovery import DISPATCH_DECISIONS, submission
from tests.processes import running, start, stop, wait_ready
from tests.topic_reader import produce, read_until

pytestmark = pytest.mark.e2e

SUBMISSIONS = 400
BATCH = 50


def applied(service, topic: str) -> int:
    """How many events the service applied in batches from the topic (consumer_batch_size)."""
    text = httpx.get(f"{service.url}/metrics", timeout=5).text
    pattern = rf'consumer_batch_size_sum\{{[^}}]*topic="{re.escape(topic)}"[^}}]*\}} (\S+)'
    found = re.search(pattern, text)
    return int(float(found.group(1))) if found else 0


def kill_mid_burst(platform, name: str, topic: str, env, workdir) -> int:
    """SIGKILL the service as soon as it took a full batch's worth of the burst into batches;
    start it again on its port. Returns how many events it had taken."""
    service = platform[name]
    deadline = time.monotonic() + 120
    done = 0
    while done < BATCH and time.monotonic() < deadline:
        done = applied(service, topic)
        time.sleep(0.02)
    stop(service, signal.SIGKILL)
    platform[name] = start(name, env=env, workdir=workdir, port=service.port)
    wait_ready(platform[name])
    return done


def test_consumers_killed_mid_batch_lose_and_double_nothing(
    private_kafka_bootstrap, tmp_path, e2e_tokens
):
    run = uuid.uuid4().hex[:8]
    env = {"KAFKA_BOOTSTRAP": private_kafka_bootstrap, "CONSUMER_SESSION_TIMEOUT_S": "6",
           "CONSUMER_BATCH_SIZE": str(BATCH), **e2e_tokens.env}
    with running(("intake", "dispatch"), env=env, workdir=tmp_path) as platform:
        # Produced while intake is watched: intake files a batch in well under a second, and
        # watching only once all was produced could find the burst applied already.
        burst = threading.Thread(target=produce, args=(
            private_kafka_bootstrap, INBOUND, [submission(run, n) for n in range(SUBMISSIONS)]))
        burst.start()
        intake_applied = kill_mid_burst(platform, "intake", INBOUND.name, env, tmp_path)
        burst.join()
        dispatch_applied = kill_mid_burst(
            platform, "dispatch", INTAKE_EVENTS.name, env, tmp_path)

        def settled(published) -> bool:
            complaints, _, decisions = outcome(published, run)
            return len(complaints) == SUBMISSIONS and all(
                decisions.get(cid) for ids in complaints.values() for cid in ids)

        published = read_until(private_kafka_bootstrap, [INTAKE_EVENTS, DISPATCH_EVENTS],
                               settled, timeout_s=240)

    complaints, received, decisions = outcome(published, run)
    print(f"\nintake killed after applying {intake_applied} submissions in batches, "
          f"dispatch after {dispatch_applied} events")
    assert intake_applied < SUBMISSIONS  # killed while the burst was still being applied
    assert len(complaints) == SUBMISSIONS
    assert {ref: ids for ref, ids in complaints.items() if len(ids) != 1} == {}
    assert {ref: ids for ref, ids in received.items() if len(ids) != 1} == {}
    ours = {cid for ids in complaints.values() for cid in ids}
    assert {cid: decisions.get(cid) for cid in ours if len(decisions.get(cid, ())) != 1} == {}


def outcome(published, run: str) -> tuple[dict, dict, dict]:
    """Per submission of this run: the complaint ids received for it, and the distinct event
    ids that recorded it received; per complaint, the distinct event ids of dispatch's
    decisions. A redelivered message repeats an event id; a doubled effect is a new one."""
    complaints: dict[str, set[str]] = defaultdict(set)
    received: dict[str, set[str]] = defaultdict(set)
    decisions: dict[str, set[str]] = defaultdict(set)
    for m in published:
        value = m.value
        if value["type"] == "complaint.received.v1":
            ref = value["data"].get("external_reference", "")
            if ref.startswith(f"crash-{run}-"):
                complaints[ref].add(value["subject"])
                received[ref].add(value["id"])
        elif value["type"] in DISPATCH_DECISIONS:
            decisions[value["subject"]].add(value["id"])
    return complaints, received, decisions
