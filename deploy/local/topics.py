"""Create every topic of the registry (contracts.topics.ALL_TOPICS) on a broker, idempotently."""

from __future__ import annotations

import argparse
import logging
import os
from collections.abc import Sequence

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import KafkaError, TopicAlreadyExistsError, for_code

from contracts.topics import ALL_TOPICS, TopicSpec
from deploy.local import support
from deploy.local.kafka import local_broker
from runtime import cli
from runtime.kafka_access import KafkaSettings, client_options, connection

log = logging.getLogger(__name__)

async def create_missing_topics(
    kafka: KafkaSettings | str,
    topics: Sequence[TopicSpec] = ALL_TOPICS,
    *,
    timeout: float = 30.0,
    replication: int = 1,
) -> list[str]:
    """Create the registry topics the broker lacks; return the names created.

    Replication defaults to 1 (the local broker is a single node); a production cluster
    passes its own (TOPIC_REPLICATION or --replication).
    """
    kafka = connection(kafka)
    admin = AIOKafkaAdminClient(**client_options(kafka), request_timeout_ms=int(timeout * 1000))
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [spec for spec in topics if spec.name not in existing]
        if not missing:
            return []
        response = await admin.create_topics([
            NewTopic(spec.name, spec.partitions, replication, topic_configs=spec.config())
            for spec in missing
        ])
    finally:
        await admin.close()
    created = []
    for name, code, *message in response.topic_errors:
        if code == 0:
            created.append(name)
        elif code != TopicAlreadyExistsError.errno:  # created meanwhile by someone else: fine
            raise for_code(code)(f"creating topic {name}: {message}")
    log.info("created topics %s on %s", created, kafka.kafka_bootstrap, extra={"topics": created})
    return created


def ensure_topics(
    kafka: KafkaSettings | str,
    topics: Sequence[TopicSpec] = ALL_TOPICS,
    *,
    timeout: float = 30.0,
    replication: int = 1,
) -> list[str]:
    """Blocking form of create_missing_topics, for fixtures and the CLI."""
    return support.run_sync(
        create_missing_topics(kafka, topics, timeout=timeout, replication=replication)
    )


def main(argv: list[str] | None = None) -> int:
    """CLI: create the registry topics on KAFKA_BOOTSTRAP or the local broker."""
    parser = argparse.ArgumentParser(prog="python -m deploy.local.topics", description=__doc__)
    default = os.environ.get("KAFKA_BOOTSTRAP") or local_broker().bootstrap
    parser.add_argument("--bootstrap", default=default, help="default: %(default)s")
    parser.add_argument(
        "--replication", type=int, default=int(os.environ.get("TOPIC_REPLICATION", "1")),
        help="replication factor of new topics (TOPIC_REPLICATION); default: %(default)s",
    )
    args = parser.parse_args(argv)
    bootstrap = args.bootstrap
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    created = ensure_topics(bootstrap, replication=args.replication)
    print(f"{len(ALL_TOPICS)} registry topics present on {bootstrap}; created now: "
          f"{', '.join(created) or 'none'}")
    return 0


if __name__ == "__main__":
    cli.run(main, KafkaError, OSError)
