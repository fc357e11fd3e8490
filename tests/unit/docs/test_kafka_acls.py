"""docs/kafka-acls.md lists the ACLs that deploy.kafka_acls derives from the registry and the
services' subscriptions, and those give each service exactly its own topic (#21, point 10)."""

from __future__ import annotations

from pathlib import Path

from contracts.topics import ALL_TOPICS, DEAD_LETTER
from deploy import kafka_acls
from runtime import lifecycle

ROOT = Path(__file__).resolve().parents[3]


def test_the_documented_table_is_the_generated_one():
    assert kafka_acls.markdown() in (ROOT / "docs/kafka-acls.md").read_text(encoding="utf-8")


def test_each_service_writes_only_its_own_topic_and_dead_letters():
    users = kafka_acls.every_user()
    for service in ("intake", "dispatch", "sla", "resolution", "analytics", "notify", "work"):
        assert users[service].writes == (f"{service}.events.v1", DEAD_LETTER.name)
        assert users[service].groups == (f"complaints-{service}",)
    assert users["channel-adapter"].writes == ("complaints.inbound.v1",)
    written = [topic for grants in users.values() for topic in grants.writes
               if topic != DEAD_LETTER.name]
    assert sorted(written) == sorted(t.name for t in ALL_TOPICS if t != DEAD_LETTER)


def test_each_stream_service_reads_what_it_subscribes_to():
    assert kafka_acls.every_user()["intake"].reads == (
        "complaints.inbound.v1", "intake.events.v1", "dispatch.events.v1", "resolution.events.v1")
    assert kafka_acls.every_user()["sla"].reads == (
        "intake.events.v1", "dispatch.events.v1", "resolution.events.v1")
    for service in kafka_acls.STREAM_SERVICES:
        assert {t.name for t in lifecycle.TOPICS} <= set(kafka_acls.every_user()[service].reads)


def test_work_reads_the_stage_topics_and_its_own_tags_which_its_rebuild_replays():
    assert kafka_acls.every_user()["work"].reads == (
        "intake.events.v1", "dispatch.events.v1", "sla.events.v1", "resolution.events.v1",
        "work.events.v1")


def test_the_console_authenticates_but_is_granted_nothing():
    console = kafka_acls.every_user()["console"]
    assert (console.writes, console.reads, console.groups) == ((), (), ())
    assert list(console.commands()) == []
    assert "User:console" not in kafka_acls.script()
    assert "--entity-name console " in kafka_acls.script()
