"""The infrastructure the integration tests stand on: a real broker and a real PostgreSQL."""

import asyncio
import uuid

import psycopg
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType
from psycopg.conninfo import conninfo_to_dict

from contracts.topics import ALL_TOPICS, INTAKE_EVENTS
from deploy.local.kafka import broker_pid, start_broker, stop_broker
from deploy.local.postgres import start_cluster, stop_cluster
from deploy.local.support import free_ports, process_alive
from deploy.local.topics import ensure_topics

pytest_plugins = ["tests.fixtures_infra"]
pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def kafka_bootstrap(private_kafka_bootstrap: str) -> str:
    """A broker of this module's own: the round trip below puts a bare record (no envelope) on
    intake's topic, which tests reading that topic from its beginning must never meet."""
    return private_kafka_bootstrap


async def test_a_message_produced_with_acks_all_is_consumed_back(kafka_bootstrap):
    key, value = f"complaint-{uuid.uuid4()}".encode(), b'{"type": "complaint.received.v1"}'
    producer = AIOKafkaProducer(
        bootstrap_servers=kafka_bootstrap, acks="all", enable_idempotence=True
    )
    await producer.start()
    try:
        sent = await producer.send_and_wait(INTAKE_EVENTS.name, value, key=key)
    finally:
        await producer.stop()

    consumer = AIOKafkaConsumer(bootstrap_servers=kafka_bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        partition = TopicPartition(INTAKE_EVENTS.name, sent.partition)
        consumer.assign([partition])
        consumer.seek(partition, sent.offset)
        record = await asyncio.wait_for(consumer.getone(), timeout=30)
    finally:
        await consumer.stop()

    assert (record.topic, record.partition, record.offset, record.key, record.value) == (
        INTAKE_EVENTS.name, sent.partition, sent.offset, key, value,
    )


async def test_every_registry_topic_exists_with_its_partitions_and_retention(kafka_bootstrap):
    names = [spec.name for spec in ALL_TOPICS]
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    await admin.start()
    try:
        described = await admin.describe_topics(names)
        responses = await admin.describe_configs(
            [ConfigResource(ConfigResourceType.TOPIC, name) for name in names]
        )
    finally:
        await admin.close()

    partitions = {topic["topic"]: len(topic["partitions"]) for topic in described}
    assert partitions == dict.fromkeys(names, 12)
    assert partitions == {spec.name: spec.partitions for spec in ALL_TOPICS}
    wanted = {spec.name: spec.config() for spec in ALL_TOPICS}
    configs = {
        resource["resource_name"]: {
            entry["config_names"]: entry["config_value"]
            for entry in resource["config_entries"]
            if entry["config_names"] in wanted[resource["resource_name"]]
        }
        for response in responses
        for resource in response.to_object()["resources"]
    }
    assert configs == wanted


def test_postgres_accepts_a_connection_and_a_query(postgres_url):
    with psycopg.connect(postgres_url, connect_timeout=10) as conn:
        conn.execute("CREATE TEMPORARY TABLE probe (id int PRIMARY KEY, note text)")
        conn.execute("INSERT INTO probe VALUES (%s, %s)", (42, "投诉 received"))
        row = conn.execute("SELECT current_database(), id, note FROM probe").fetchone()
    assert row == (conninfo_to_dict(postgres_url)["dbname"], 42, "投诉 received")


def test_starting_a_broker_twice_reuses_it_and_stopping_leaves_no_process(tmp_path):
    port, controller_port = free_ports(2)
    first = start_broker(tmp_path / "kafka", port, controller_port)
    pid = first.pid
    try:
        again_pid = start_broker(tmp_path / "kafka", port, controller_port).pid
        elsewhere = start_broker(tmp_path / "elsewhere", port, controller_port)
        created = ensure_topics(first.bootstrap), ensure_topics(first.bootstrap)
    finally:
        stopped = stop_broker(tmp_path / "kafka")

    assert pid is not None
    assert again_pid == pid
    # A broker already answering at the address is reused, not started a second time.
    assert (elsewhere.bootstrap, elsewhere.pid) == (first.bootstrap, None)
    assert not (tmp_path / "elsewhere").exists()
    assert created == ([spec.name for spec in ALL_TOPICS], [])
    assert stopped is True
    assert not process_alive(pid)
    assert broker_pid(tmp_path / "kafka") is None


def test_starting_postgres_twice_reuses_the_cluster_and_stopping_removes_it():
    cluster = start_cluster()
    postmaster = int((cluster.home / "data" / "postmaster.pid").read_text().splitlines()[0])
    try:
        again = start_cluster(cluster.home)
    finally:
        stopped = stop_cluster(cluster.home, remove=True)

    assert again == cluster
    assert stopped is True
    assert not process_alive(postmaster)
    assert not cluster.home.exists()
