"""Create every topic of the registry (contracts.topics.ALL_TOPICS) on a broker, idempotently,
and give the topics that exist already the registry's configuration (e.g. max.message.bytes)."""

from __future__ import annotations

import argparse
import logging
import os
from collections.abc import Sequence

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType
from aiokafka.errors import KafkaError, TopicAlreadyExistsError, for_code

from contracts.topics import ALL_TOPICS, TopicSpec
from deploy.local import support
from deploy.local.kafka import local_broker
from runtime import cli
from runtime.kafka_access import KafkaSettings, client_options, connection

log = logging.getLogger(__name__)
DYNAMIC_TOPIC_CONFIG = 1  # DescribeConfigs' config_source of a topic's own setting


async def create_missing_topics(
    kafka: KafkaSettings | str,
    topics: Sequence[TopicSpec] = ALL_TOPICS,
    *,
    timeout: float = 30.0,
    replication: int = 1,
) -> list[str]:
    """Create the registry topics the broker lacks; return the names created. Those it has
    get the registry's configuration where theirs differs.

    Replication defaults to 1 (the local broker is a single node); a production cluster
    passes its own (TOPIC_REPLICATION or --replication).
    """
    kafka = connection(kafka)
    admin = AIOKafkaAdminClient(**client_options(kafka), request_timeout_ms=int(timeout * 1000))
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [spec for spec in topics if spec.name not in existing]
        created = await _create(admin, missing, replication) if missing else []
        # Including those created meanwhile by someone else, or that the metadata did not
        # list yet: "already exists" says nothing of their configuration.
        await align_configs(admin, [spec for spec in topics if spec.name not in created])
    finally:
        await admin.close()
    if not created:
        return []
    log.info("created topics %s on %s", created, kafka.kafka_bootstrap, extra={"topics": created})
    return created


async def _create(
    admin: AIOKafkaAdminClient, topics: Sequence[TopicSpec], replication: int
) -> list[str]:
    response = await admin.create_topics([
        NewTopic(spec.name, spec.partitions, replication, topic_configs=spec.config())
        for spec in topics
    ])
    created = []
    for name, code, *message in response.topic_errors:
        if code == 0:
            created.append(name)
        elif code != TopicAlreadyExistsError.errno:  # created meanwhile by someone else: fine
            raise for_code(code)(f"creating topic {name}: {message}")
    return created


async def align_configs(admin: AIOKafkaAdminClient, topics: Sequence[TopicSpec]) -> list[str]:
    """Give existing topics the registry's configuration; return the names changed.

    AlterConfigs replaces all of a topic's own settings, so those the registry does not name
    (set by an operator) are sent back as they are.
    """
    if not topics:
        return []
    described = await admin.describe_configs(
        [ConfigResource(ConfigResourceType.TOPIC, spec.name) for spec in topics]
    )
    resources = [r for response in described for r in response.to_object()["resources"]]
    _raise_errors(resources, "reading the configuration of topic")
    own = {
        resource["resource_name"]: {
            entry["config_names"]: entry["config_value"]
            for entry in resource["config_entries"] if _own(entry)
        }
        for resource in resources
    }
    changed = [spec for spec in topics
               if any(own[spec.name].get(k) != v for k, v in spec.config().items())]
    if not changed:
        return []
    responses = await admin.alter_configs([
        ConfigResource(ConfigResourceType.TOPIC, spec.name, {**own[spec.name], **spec.config()})
        for spec in changed
    ])
    _raise_errors([r for response in responses for r in response.to_object()["resources"]],
                  "configuring topic")
    names = [spec.name for spec in changed]
    log.info("gave topics %s the registry's configuration", names, extra={"topics": names})
    return names


def _raise_errors(resources: list[dict], doing: str) -> None:
    for resource in resources:
        if resource["error_code"]:
            raise for_code(resource["error_code"])(
                f"{doing} {resource['resource_name']}: {resource['error_message']}"
            )


def _own(entry: dict) -> bool:
    """Whether a described setting is the topic's own (not the broker's or the default)."""
    if entry["config_value"] is None:  # sensitive: cannot be read back, so not resent
        return False
    if "config_source" in entry:
        return entry["config_source"] == DYNAMIC_TOPIC_CONFIG
    return not entry["is_default"]


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
