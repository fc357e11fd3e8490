"""The SLA service SIGKILLed while firing alarms, and restarted: every warning, breach and
escalation still happens once; none twice, none missed. The test moves the service's clock
through its test hook (SLA_TEST_CLOCK); nothing waits for a real deadline."""

from __future__ import annotations

import signal
import sqlite3
import time
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from contracts.envelope import correlation_for, wrap
from contracts.intake import Channel, ComplaintClassified, ComplaintReceived
from contracts.topics import INTAKE_EVENTS, SLA_EVENTS
from tests.processes import start, stop, wait_ready
from tests.topic_reader import produce, read_until

pytestmark = pytest.mark.e2e

T0 = datetime(2024, 5, 6, 1, 0, tzinfo=UTC)
COMPLAINTS = 12
ALARMS = {"sla.warning_raised.v1": "warning", "sla.breached.v1": "breach",
          "sla.escalated.v1": "escalation"}
# P1, around the clock: (clock, alarm, minutes after receipt), by hand from the default policy.
P1_ALARMS = [
    ("first_response", "warning", 24), ("first_response", "breach", 30),
    ("first_response", "escalation:team_lead", 30),
    ("first_response", "escalation:department_head", 45),
    ("first_response", "escalation:executive", 60),
    ("resolution", "warning", 96), ("resolution", "breach", 120),
    ("resolution", "escalation:team_lead", 120),
    ("resolution", "escalation:department_head", 180),
    ("resolution", "escalation:executive", 240),
]


def intake_events(cid: str, received_at: datetime) -> list[tuple[bytes, bytes]]:
    events = [
        ComplaintReceived(complaint_id=cid, channel=Channel.APP, customer_id="c", subject="s",
                          text="t", received_at=received_at),
        ComplaintClassified(complaint_id=cid, category="outage", severity="P1", confidence=1),
    ]
    return [(cid.encode(), wrap(e, source="/services/test", subject=cid, sequence=n,
                                tenant="default", correlation_id=correlation_for(cid),
                                aggregate_id=cid, time=received_at).model_dump_json().encode())
            for n, e in enumerate(events, start=1)]


def alarms_stored(path) -> int:
    with sqlite3.connect(path) as db:
        return db.execute("SELECT count(*) FROM stored_events WHERE topic LIKE ?",
                          ("%ComplaintSla.AlarmFired",)).fetchone()[0]


def set_clock(service, instant: datetime, operator: dict[str, str], wait: bool = True) -> None:
    response = httpx.post(f"{service.url}/v1/test-clock", timeout=90, headers=operator,
                          json={"now": instant.isoformat(), "wait": wait})
    assert response.status_code == 200, response.text


def classified(service, cid: str, auditor: dict[str, str]) -> bool:
    response = httpx.get(f"{service.url}/v1/clocks/{cid}", headers=auditor)
    return response.status_code == 200 and response.json()["severity"] == "P1"


def test_sigkill_mid_clock_neither_loses_nor_doubles_an_alarm(
    kafka_bootstrap, tmp_path, e2e_tokens
):
    run = uuid.uuid4().hex[:8]
    env = {"KAFKA_BOOTSTRAP": kafka_bootstrap, "SERVICE": f"sla-restart-{run}",
           "SLA_TEST_CLOCK": "true", "SLA_TEST_CLOCK_START": T0.isoformat(),
           "SLA_FOLLOW_INTERVAL_S": "0.2", "CONSUMER_SESSION_TIMEOUT_S": "6",
           **e2e_tokens.env}
    operator = e2e_tokens.headers("administrator", tenant="default", sub="operator")
    auditor = e2e_tokens.headers("auditor", tenant="default", sub="auditor")
    received = {f"kill-{run}-{n}": T0 + timedelta(minutes=5 * n) for n in range(COMPLAINTS)}
    sla = start("sla", env=env, workdir=tmp_path)
    try:
        wait_ready(sla)
        produce(kafka_bootstrap, INTAKE_EVENTS,
                [m for cid, at in received.items() for m in intake_events(cid, at)])
        deadline = time.monotonic() + 60
        # Waiting for consumption, not for a deadline.
        while not all(classified(sla, cid, auditor) for cid in received):
            assert time.monotonic() < deadline, sla.log_tail()
            time.sleep(0.2)

        # Some warnings and breaches are recorded.
        set_clock(sla, T0 + timedelta(minutes=40), operator)
        # Over a hundred alarms fall due at once; the kill lands while they are being fired.
        # Those due after 3 h (executive escalations) can only be fired after the restart.
        set_clock(sla, T0 + timedelta(hours=3), operator, wait=False)
        assert stop(sla, signal.SIGKILL) == -signal.SIGKILL  # killed while firing the rest
        stored = alarms_stored(tmp_path / "data" / f"{env['SERVICE']}.sqlite")
        print(f"\nalarms stored when killed: {stored} of {COMPLAINTS * len(P1_ALARMS)}")

        sla = start("sla", env=env, workdir=tmp_path, port=sla.port)
        wait_ready(sla)
        set_clock(sla, T0 + timedelta(hours=6), operator)
        total = COMPLAINTS * len(P1_ALARMS)
        published = read_until(
            kafka_bootstrap, [SLA_EVENTS],
            lambda seen: len({m.value["id"] for m in seen if m.value["type"] in ALARMS
                              and m.value["subject"] in received}) >= total,
            timeout_s=120,
        )
        # Give a duplicate every chance to show up: the restarted service is idle now.
        set_clock(sla, T0 + timedelta(hours=7), operator)
        published = read_until(kafka_bootstrap, [SLA_EVENTS], lambda seen: False, timeout_s=5)
    finally:
        stop(sla)

    clock_keys = {}
    for m in published:
        if m.value["type"] == "sla.clock_started.v1" and m.value["subject"] in received:
            clock_keys[m.value["data"]["clock_id"]] = m.value["data"]["clock_key"]
    distinct = {m.value["id"]: m.value for m in published
                if m.value["type"] in ALARMS and m.value["subject"] in received}
    got = Counter()
    instants = {}
    for value in distinct.values():
        data = value["data"]
        alarm = ALARMS[value["type"]]
        if alarm == "escalation":
            alarm = f"escalation:{data['level']}"
        key = (value["subject"], clock_keys[data["clock_id"]], alarm)
        got[key] += 1
        instants[key] = data.get("warned_at") or data.get("breached_at") or data["escalated_at"]
    want = {(cid, clock, alarm): (at + timedelta(minutes=m)).isoformat().replace("+00:00", "Z")
            for cid, at in received.items() for clock, alarm, m in P1_ALARMS}
    assert got == Counter(dict.fromkeys(want, 1))  # each once: none missed, none twice
    assert instants == want
