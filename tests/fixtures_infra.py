"""Session fixtures for the real infrastructure: a Kafka broker and a PostgreSQL database.

Each fixture takes, in order: the address in the environment (KAFKA_BOOTSTRAP; DATABASE_URL or
POSTGRES_URL); a container from testcontainers when a Docker engine answers; otherwise a private
broker or cluster started without Docker (deploy.local) on free ports in a throw-away directory,
so tests never touch a developer's running platform.
"""

from __future__ import annotations

import functools
import os
import secrets
from collections.abc import Iterator

import docker
import pytest
from docker.errors import DockerException

from deploy.local.kafka import Broker, Scram, start_broker, stop_broker
from deploy.local.postgres import configured_url, start_cluster, stop_cluster
from deploy.local.support import free_ports
from deploy.local.topics import ensure_topics


@functools.cache
def docker_answers() -> bool:
    """Whether a Docker engine answers a ping (the docker CLI alone is not enough)."""
    try:
        client = docker.from_env(timeout=3)
    except DockerException:
        return False
    try:
        return bool(client.ping())
    except (DockerException, OSError):
        return False
    finally:
        client.close()


@pytest.fixture(scope="session")
def kafka_bootstrap(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Bootstrap address of a Kafka broker on which every registry topic exists."""
    if external := os.environ.get("KAFKA_BOOTSTRAP"):
        ensure_topics(external)
        yield external
    elif docker_answers():
        from testcontainers.community.kafka import KafkaContainer

        with KafkaContainer().with_kraft() as container:
            ensure_topics(container.get_bootstrap_server())
            yield container.get_bootstrap_server()
    else:
        yield from _broker_of_our_own(tmp_path_factory.mktemp("kafka"))


def _broker_of_our_own(home) -> Iterator[str]:
    """A broker started without Docker in home, with every registry topic; stopped after."""
    broker = start_broker(home, *free_ports(2))
    try:
        ensure_topics(broker.bootstrap)
        yield broker.bootstrap
    finally:
        stop_broker(home)


@pytest.fixture(scope="module")
def private_kafka_bootstrap(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A broker for one test module alone, for tests that flood topics others read from the
    beginning (the shared broker is used only when KAFKA_BOOTSTRAP names an external one)."""
    if external := os.environ.get("KAFKA_BOOTSTRAP"):
        ensure_topics(external)
        yield external
        return
    yield from _broker_of_our_own(tmp_path_factory.mktemp("kafka-private"))


SCRAM_USERS = ("intake", "dispatch")  # besides admin, the broker's own (super) user


@pytest.fixture(scope="module")
def scram_kafka(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Broker]:
    """A broker of our own that authenticates clients with SCRAM-SHA-512 and authorises them
    by ACL: users admin and SCRAM_USERS, no ACL yet, every registry topic."""
    home = tmp_path_factory.mktemp("kafka-scram")
    scram = Scram(secrets.token_hex(12), {user: secrets.token_hex(12) for user in SCRAM_USERS})
    broker = start_broker(home, *free_ports(2), scram=scram)
    try:
        ensure_topics(broker.client())
        yield broker
    finally:
        stop_broker(home)


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """URL (postgresql://user:password@host:port/db) of a PostgreSQL database for the tests."""
    if external := configured_url():
        yield external
    elif docker_answers():
        from testcontainers.community.postgres import PostgresContainer

        with PostgresContainer("postgres:15", driver=None) as container:
            yield container.get_connection_url()
    else:
        cluster = start_cluster()
        try:
            yield cluster.url
        finally:
            stop_cluster(cluster.home, remove=True)
