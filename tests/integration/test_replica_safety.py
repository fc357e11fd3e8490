"""Issue #13, point 8, replica safety: two replicas of a service on one PostgreSQL; one relays
(the holder of the lease), the other takes over within seconds when it dies, and no event
reaches the topic twice nor goes missing (counted by event id)."""

from __future__ import annotations

import asyncio
import signal
import time
import uuid
from collections import Counter
from datetime import timedelta
from typing import Any

import httpx
import psycopg
import pytest
from eventsourcing.domain import Aggregate, event

from contracts.envelope import Envelope, wrap
from contracts.intake import Channel, ComplaintReceived
from contracts.topics import INTAKE_EVENTS, SLA_EVENTS
from runtime.eventstore import ServiceApplication, persistence_env
from runtime.lease import lease_for
from runtime.outbox import OutboxRelay
from runtime.settings import Settings
from runtime.topic_tail import ids_since
from tests.integration.event_stores import fresh_postgres_database
from tests.processes import start, stop, wait_ready
from tests.topic_reader import produce, read_until

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def kafka_bootstrap(private_kafka_bootstrap: str) -> str:
    """A broker of this module's own: its services and readers go through whole topics from
    their beginning, which on the shared broker grow with every earlier test."""
    return private_kafka_bootstrap


class Killed(Exception):
    """The process died here."""


@pytest.fixture
def database_url(postgres_url):
    with fresh_postgres_database(postgres_url) as url:
        yield url


class Complaint(Aggregate):
    """A stand-in aggregate: the relay is the same whatever a service stores."""

    @event("Received")
    def __init__(self, text: str) -> None:
        self.text = text


def translator(service: str):
    def translate(stored: Any) -> Envelope:
        complaint_id = str(stored.originator_id)
        received = ComplaintReceived(complaint_id=complaint_id, channel=Channel.APP,
                                     customer_id="c", subject="s", text=stored.text,
                                     received_at=stored.timestamp)
        return wrap(received, source=f"/services/{service}", subject=complaint_id,
                    sequence=stored.originator_version, tenant="default",
                    correlation_id=stored.originator_id, aggregate_id=stored.originator_id,
                    time=stored.timestamp)
    return translate


def replica(url: str, kafka_bootstrap: str, service: str, tmp_path) -> OutboxRelay:
    """One replica's relay: its own store connections, lease and producer."""
    from runtime.bus import build_producer

    settings = Settings(service=service, kafka_bootstrap=kafka_bootstrap, data_dir=tmp_path)
    app = ServiceApplication(env=persistence_env(url))
    return OutboxRelay(
        app=app, translate=translator(service),
        producer=build_producer(settings), topic=INTAKE_EVENTS, service=service,
        lease=lease_for(service=service, task="outbox", database_url=url, data_dir=tmp_path),
        published_ids=lambda since: ids_since(settings, INTAKE_EVENTS.name, since),
    )


def file(relay: OutboxRelay, numbers: range) -> None:
    for n in numbers:
        relay.app.save(Complaint(text=f"complaint {n}"))


def expected_ids(relay: OutboxRelay) -> set[str]:
    return {str(e.id) for e in relay._envelopes(
        relay.app.recorder.select_notifications(None, 10_000))}


def kill_session(url: str, relay: OutboxRelay) -> None:
    """What the server sees of a SIGKILLed replica: its lease connection drops."""
    pid = relay.lease.lock._conn.info.backend_pid
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s, 5000)", (pid,))  # until gone


async def test_replica_safety_a_leader_killed_after_publishing_before_recording_is_not_republished(
    database_url, kafka_bootstrap, tmp_path
):
    service = f"intake-{uuid.uuid4().hex[:8]}"
    one = replica(database_url, kafka_bootstrap, service, tmp_path / "one")
    two = replica(database_url, kafka_bootstrap, service, tmp_path / "two")
    await one.producer.start()
    await two.producer.start()
    try:
        assert (await one.leading(), await two.leading()) == (True, False)
        file(one, range(3))

        record = one._record

        def dies_before_recording(name: str, notification_id: int) -> None:
            if name == one.position_name:
                raise Killed
            record(name, notification_id)

        one._record = dies_before_recording
        with pytest.raises(Killed):  # the broker acked the whole batch; nothing recorded
            await one.publish_pending()
        kill_session(database_url, one)

        two.lease._confirmed_at = 0.0  # its next poll, a second later at most
        while await two.publish_pending():
            pass
        assert (two.role, await one.leading()) == ("leader", False)
        file(two, range(3, 5))
        while await two.publish_pending():
            pass
        assert two.position() == two.app.recorder.max_notification_id()
        want = expected_ids(two)
    finally:
        for relay in (one, two):
            await relay.producer.stop()
            relay.lease.release()
            relay.app.close()

    published = await asyncio.to_thread(read_until, kafka_bootstrap, [INTAKE_EVENTS],
                                        lambda seen: want <= {m.value["id"] for m in seen})
    ours = Counter(m.value["id"] for m in published if m.value["id"] in want)
    assert len(want) == 5
    assert ours == Counter(dict.fromkeys(want, 1))  # none twice, none missing


def test_replica_safety_a_standby_cannot_take_the_lease_until_the_leader_is_gone(
    database_url, tmp_path
):
    leases = [lease_for(service="svc", task="outbox", database_url=database_url,
                        data_dir=tmp_path) for _ in range(2)]
    try:
        assert [lease.held() for lease in leases] == [True, False]
        assert [lease.held() for lease in leases] == [True, False]
        leases[0].lock._conn.close()  # the leader's process dies
        # The server drops the dead session's lock once it notices the closed connection.
        deadline = time.monotonic() + 30
        while not leases[1].held() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert [lease.held() for lease in leases] == [False, True]
        assert [lease.role for lease in leases] == ["standby", "leader"]
    finally:
        for lease in leases:
            lease.release()


def test_replica_safety_file_leases_on_one_machine(tmp_path):
    leases = [lease_for(service="svc", task="outbox", database_url="sqlite:///x.sqlite",
                        data_dir=tmp_path) for _ in range(2)]
    assert [lease.held() for lease in leases] == [True, False]
    leases[0].release()  # or its process dies: the kernel drops its flock
    assert (leases[1].held(), leases[0].held()) == (True, False)
    leases[1].release()



def role(service) -> str:
    return httpx.get(f"{service.url}/readyz", timeout=5).json()["roles"]["outbox-relay"]


def test_replica_safety_two_sla_replicas_the_relay_leader_sigkilled_no_alarm_lost_or_doubled(
    database_url, kafka_bootstrap, tmp_path, tokens
):
    from tests.e2e.test_sla_restart import (
        ALARMS,
        P1_ALARMS,
        T0,
        classified,
        intake_events,
        set_clock,
    )

    run = uuid.uuid4().hex[:8]
    env = {"KAFKA_BOOTSTRAP": kafka_bootstrap, "SERVICE": f"sla-replicas-{run}",
           "DATABASE_URL": database_url, "SLA_TEST_CLOCK": "true",
           "SLA_TEST_CLOCK_START": T0.isoformat(), "SLA_FOLLOW_INTERVAL_S": "0.2",
           "CONSUMER_SESSION_TIMEOUT_S": "6", **tokens.env}
    operator = tokens.headers("administrator", tenant="default", sub="operator")
    auditor = tokens.headers("auditor", tenant="default", sub="auditor")
    received = {f"replica-{run}-{n}": T0 + timedelta(minutes=5 * n) for n in range(6)}
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
    replicas = [start("sla", env=env, workdir=tmp_path / name) for name in ("a", "b")]
    try:
        for replica_ in replicas:
            wait_ready(replica_)
        produce(kafka_bootstrap, INTAKE_EVENTS,
                [m for cid, at in received.items() for m in intake_events(cid, at)])
        deadline = time.monotonic() + 60
        while not all(classified(replicas[0], cid, auditor) for cid in received):
            assert time.monotonic() < deadline, replicas[0].log_tail()
            time.sleep(0.2)  # waiting for consumption, not for a deadline
        roles = [role(r) for r in replicas]
        assert sorted(roles) == ["leader", "standby"]
        leader, survivor = (replicas if roles[0] == "leader" else replicas[::-1])
        for replica_ in replicas:
            set_clock(replica_, T0 + timedelta(minutes=40), operator)
        for replica_ in replicas:  # over fifty alarms fall due at once on both replicas
            set_clock(replica_, T0 + timedelta(hours=3), operator, wait=False)
        assert stop(leader, signal.SIGKILL) == -signal.SIGKILL
        deadline = time.monotonic() + 30
        while role(survivor) != "leader":
            assert time.monotonic() < deadline, survivor.log_tail()
            time.sleep(0.2)  # failover: the lock went with the killed process's connection
        set_clock(survivor, T0 + timedelta(hours=6), operator)
        want = {(cid, clock, alarm) for cid in received for clock, alarm, _ in P1_ALARMS}
        published = read_until(kafka_bootstrap, [SLA_EVENTS],
                               lambda seen: len(alarm_keys(seen, received)) >= len(want),
                               timeout_s=120)
        set_clock(survivor, T0 + timedelta(hours=7), operator)
        published = read_until(kafka_bootstrap, [SLA_EVENTS], lambda seen: False, timeout_s=5)
    finally:
        for replica_ in replicas:
            stop(replica_)

    alarms = [m.value for m in published
              if m.value["type"] in ALARMS and m.value["subject"] in received]
    assert Counter(v["id"] for v in alarms) == Counter({v["id"]: 1 for v in alarms})
    assert Counter(alarm_keys(published, received)) == Counter(dict.fromkeys(want, 1))


def alarm_keys(published, received) -> list[tuple[str, str, str]]:
    """(complaint, clock, alarm) of every distinct alarm event published for `received`."""
    from tests.e2e.test_sla_restart import ALARMS

    clocks = {m.value["data"]["clock_id"]: m.value["data"]["clock_key"] for m in published
              if m.value["type"] == "sla.clock_started.v1"}
    distinct = {m.value["id"]: m.value for m in published
                if m.value["type"] in ALARMS and m.value["subject"] in received}
    keys = []
    for value in distinct.values():
        alarm = ALARMS[value["type"]]
        if alarm == "escalation":
            alarm = f"escalation:{value['data']['level']}"
        keys.append((value["subject"], clocks.get(value["data"]["clock_id"], "?"), alarm))
    return keys
