"""Issue #13, point 8, replica safety: two replicas of a service on one PostgreSQL; one relays
(the holder of the lease), the other takes over within seconds when it dies, and no event
reaches the topic twice nor goes missing (counted by event id)."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from typing import Any

import psycopg
import pytest
from eventsourcing.domain import Aggregate, event

from contracts.envelope import Envelope, wrap
from contracts.intake import Channel, ComplaintReceived
from contracts.topics import INTAKE_EVENTS
from runtime.eventstore import ServiceApplication, persistence_env
from runtime.lease import lease_for
from runtime.outbox import OutboxRelay
from runtime.settings import Settings
from runtime.topic_tail import ids_since
from tests.integration.event_stores import fresh_postgres_database
from tests.topic_reader import read_until

pytestmark = pytest.mark.integration


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
    def translate(stored: Any, tenant: str | None) -> Envelope:
        complaint_id = str(stored.originator_id)
        received = ComplaintReceived(complaint_id=complaint_id, channel=Channel.APP,
                                     customer_id="c", subject="s", text=stored.text,
                                     received_at=stored.timestamp)
        return wrap(received, source=f"/services/{service}", subject=complaint_id,
                    sequence=stored.originator_version, tenant=tenant or "default",
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

