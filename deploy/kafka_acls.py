"""Kafka ACLs of each service, from the topic registry and the services' subscriptions.

    python -m deploy.kafka_acls             # the table of docs/kafka-acls.md
    python -m deploy.kafka_acls --commands  # kafka-acls.sh lines that grant them

Each service is its own Kafka user. It may write only its own topic (the registry's producer)
and the dead-letter topic, read the topics it consumes, and use its own consumer group.
Nothing else: not another service's topic, not topic creation (the topics job runs as admin).
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from contracts.topics import ALL_TOPICS, DEAD_LETTER, DOMAIN_TOPICS, INBOUND, TopicSpec
from runtime import lifecycle

STREAM_SERVICES = ("intake", "dispatch", "sla", "resolution")  # faust apps: runtime.service
CHANNEL_ADAPTER = "channel-adapter"  # channel adapters and the CFPB importer (--kafka)


@dataclass(frozen=True)
class Grants:
    """What one Kafka user may do."""

    user: str
    writes: tuple[str, ...]
    reads: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()

    def commands(self, bootstrap: str = "$KAFKA_BOOTSTRAP",
                 config: str = "admin.properties") -> Iterator[list[str]]:
        """kafka-acls.sh arguments (after the program name) that grant exactly this."""
        common = ["--bootstrap-server", bootstrap, "--command-config", config, "--add",
                  "--allow-principal", f"User:{self.user}"]
        yield [*common, "--operation", "Write", *_each("--topic", self.writes)]
        if self.reads:
            yield [*common, "--operation", "Read", *_each("--topic", self.reads),
                   *_each("--group", self.groups)]


def _each(option: str, names: Sequence[str]) -> list[str]:
    return [part for name in names for part in (option, name)]


def own_topics(service: str) -> tuple[str, ...]:
    """The topics the registry says this service produces."""
    return tuple(t.name for t in ALL_TOPICS if t.producer == service)


def _names(topics: Sequence[TopicSpec]) -> tuple[str, ...]:
    return tuple(t.name for t in ALL_TOPICS if t in topics)  # registry order


def stream_service(service: str) -> Grants:
    """A faust service: runtime.service subscribes it to the lifecycle topics and its own."""
    handlers = importlib.import_module(f"services.{service}.handlers")
    consumed = [*lifecycle.TOPICS, *handlers.SUBSCRIPTIONS]
    return Grants(service, writes=(*own_topics(service), DEAD_LETTER.name),
                  reads=_names(consumed), groups=(f"complaints-{service}",))


def every_user() -> dict[str, Grants]:
    """Each Kafka user of the platform and its grants."""
    users = {service: stream_service(service) for service in STREAM_SERVICES}
    users["analytics"] = Grants(  # services.analytics.consumer.group_consumer
        "analytics", writes=(*own_topics("analytics"), DEAD_LETTER.name),
        reads=_names(DOMAIN_TOPICS), groups=("complaints-analytics",),
    )
    users[CHANNEL_ADAPTER] = Grants(CHANNEL_ADAPTER, writes=(INBOUND.name,))
    return users


def markdown() -> str:
    """The table of docs/kafka-acls.md."""
    lines = ["| user | writes | reads | consumer group |", "|---|---|---|---|"]
    for grants in every_user().values():
        cells = [", ".join(f"`{name}`" for name in names) or "none"
                 for names in (grants.writes, grants.reads, grants.groups)]
        lines.append(f"| `{grants.user}` | {' | '.join(cells)} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """CLI: print the table, or the kafka-acls.sh commands that grant it."""
    parser = argparse.ArgumentParser(prog="python -m deploy.kafka_acls", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--commands", action="store_true", help="kafka-acls.sh lines")
    if not parser.parse_args(argv).commands:
        print(markdown(), end="")
        return 0
    for grants in every_user().values():
        for command in grants.commands():
            print(" ".join(["kafka-acls.sh", *command]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
