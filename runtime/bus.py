"""Kafka clients: the idempotent producer and the faust app, built from settings."""

from __future__ import annotations

import faust
from aiokafka import AIOKafkaProducer

from contracts.topics import MESSAGE_BYTES
from runtime.kafka_access import client_options, faust_credentials
from runtime.settings import Settings


def build_producer(settings: Settings) -> AIOKafkaProducer:
    """An idempotent producer that waits for every in-sync replica (acks=all)."""
    return AIOKafkaProducer(
        **client_options(settings),
        client_id=f"{settings.service}-producer",
        acks="all",
        enable_idempotence=True,
        linger_ms=5,
        request_timeout_ms=30_000,
        max_request_size=MESSAGE_BYTES,  # what the topics accept (contracts.topics)
    )


def build_faust_app(settings: Settings) -> faust.App:
    """The service's stream processor: one consumer group per service."""
    datadir = settings.data_dir / "faust" / settings.service
    datadir.parent.mkdir(parents=True, exist_ok=True)
    return faust.App(
        f"complaints-{settings.service}",
        broker=f"kafka://{settings.kafka_bootstrap}",
        broker_credentials=faust_credentials(settings),
        web_enabled=False,
        store="memory://",
        datadir=str(datadir),
        topic_partitions=12,
        topic_allow_declare=False,
        topic_disable_leader=True,
        consumer_auto_offset_reset="earliest",
        producer_acks=-1,
        producer_max_request_size=MESSAGE_BYTES,
        broker_commit_every=100,
        broker_commit_interval=1.0,
        # A crashed replica's partitions move to the others after this long, not a minute.
        broker_session_timeout=settings.consumer_session_timeout_s,
        broker_heartbeat_interval=settings.consumer_session_timeout_s / 3,
    )
