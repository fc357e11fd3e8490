"""Every domain event is projected into ClickHouse once, without personal data."""

from __future__ import annotations

from collections import Counter

from contracts.intake import ComplaintReceived
from contracts.registry import TOPIC_EVENTS, parse
from contracts.topics import DOMAIN_TOPICS
from runtime.vault import PREFIX
from services.analytics.application import AnalyticsApplication
from services.analytics.domain import (
    PERSONAL_DATA_KEYS,
    Consumed,
    Pseudonyms,
    without_personal_data,
)
from services.analytics.store import ClickHouseStore
from tests.unit.analytics.samples import domain_samples, raw_sample

# Before sealing, intake published personal data in plaintext; those events stay on the topics.
PLAINTEXT = {
    "customer_name": "Maria Hernandez",
    "customer_contact": "maria.hernandez@example.com",
    "subject": "Inquiry on my credit report that I did not make",
    "text": "Please remove this inquiry from my credit report as it is not associated with me.",
}


def plaintext_received() -> Consumed:
    raw = raw_sample("complaint.received.v1")
    raw["id"] = "00000000-0000-5000-8000-00000000000a"
    raw["data"].update(PLAINTEXT)
    return Consumed(*parse(raw))


def rows(store: ClickHouseStore, table: str) -> int:
    # Raw rows, not distinct ids: a repeat that reached the table would show here.
    return int(store.select(f"SELECT count() FROM {table}")[0][0])


def rows_mentioning(store: ClickHouseStore, needle: str) -> int:
    return int(store.select(
        "SELECT count() FROM events WHERE position(formatRow('JSONEachRow', *), {n:String}) > 0",
        {"n": needle},
    )[0][0])


def test_the_samples_cover_every_event_of_the_domain_topics_and_nothing_else() -> None:
    types = [s.envelope.type for s in domain_samples()]

    expected = {cls.event_type for topic in DOMAIN_TOPICS for cls in TOPIC_EVENTS[topic]}
    assert sorted(types) == sorted(expected)
    assert "complaint.submitted.v1" not in types


def test_every_domain_sample_is_counted_once_under_its_type(app: AnalyticsApplication) -> None:
    samples = domain_samples()

    projected = app.project(samples)

    assert len(projected.stored) == len(samples)
    for sample in samples:
        assert app.count_events(event_type=sample.envelope.type) == 1


def test_the_domain_samples_are_stored_once_per_event_id(
    app: AnalyticsApplication, store: ClickHouseStore
) -> None:
    samples = domain_samples()
    first_type_per_id = {str(s.envelope.id): s.envelope.type for s in reversed(samples)}
    distinct = len(first_type_per_id)

    projected = app.project(samples)

    assert (len(projected.stored), projected.duplicates) == (distinct, len(samples) - distinct)
    assert rows(store, "events") == distinct
    assert rows(store, "seen_events") == distinct
    expected = Counter(first_type_per_id.values())
    for event_type in {s.envelope.type for s in samples}:
        assert app.count_events(event_type=event_type) == expected[event_type], event_type
    assert app.count_received_complaints() == 1


def test_projecting_the_same_batch_again_changes_nothing(
    app: AnalyticsApplication, store: ClickHouseStore
) -> None:
    samples = domain_samples()
    first = app.project(samples)

    again = app.project(samples)

    assert (len(again.stored), again.duplicates) == (0, len(samples))
    assert rows(store, "events") == len(first.stored)
    assert rows(store, "seen_events") == len(first.stored)
    assert app.count_received_complaints() == 1
    assert app.count_events(event_type="sla.clock_started.v1") == 1


def test_a_repeat_inside_one_batch_is_stored_once(
    app: AnalyticsApplication, store: ClickHouseStore
) -> None:
    received = Consumed(*parse(raw_sample("complaint.received.v1")))

    projected = app.project([received, received, received])

    assert (len(projected.stored), projected.duplicates) == (1, 2)
    assert rows(store, "events") == 1


def test_received_complaints_are_counted_per_tenant(app: AnalyticsApplication) -> None:
    other = raw_sample("complaint.received.v1")
    other.update(id="00000000-0000-5000-8000-000000000001", tenant="another-tenant")
    app.project([Consumed(*parse(raw_sample("complaint.received.v1"))), Consumed(*parse(other))])

    assert app.count_received_complaints() == 2
    assert app.count_received_complaints(tenant="experian-us") == 1
    assert app.count_received_complaints(tenant="another-tenant") == 1
    assert app.count_received_complaints(tenant="nobody") == 0
    assert app.count_events(event_type=ComplaintReceived.event_type, tenant="nobody") == 0


def test_no_personal_data_reaches_clickhouse_in_plaintext_or_sealed(
    app: AnalyticsApplication, store: ClickHouseStore
) -> None:
    sealed = raw_sample("complaint.received.v1")["data"]
    note = raw_sample("resolution.investigation_note_added.v1")["data"]
    comment = raw_sample("resolution.feedback_received.v1")["data"]["comment"]
    message = raw_sample("resolution.customer_notified.v1")["data"]["message"]

    app.project([*domain_samples(), plaintext_received()])

    free_text = (note["text"], comment, message)
    for value in (*PLAINTEXT.values(), *free_text, *(sealed[key] for key in PLAINTEXT)):
        assert rows_mentioning(store, value) == 0, value
    assert rows_mentioning(store, PREFIX) == 0
    for key in PERSONAL_DATA_KEYS:
        assert rows_mentioning(store, f'"{key}"') == 0, key
    columns = {name for (name,) in store.select(
        "SELECT name FROM system.columns WHERE database = currentDatabase()"
    )}
    assert columns.isdisjoint(PERSONAL_DATA_KEYS)
    # The customer id is kept only as its keyed hash, in raw events and in the current state.
    assert rows_mentioning(store, sealed["customer_id"]) == 0
    pseudonym = Pseudonyms("")("experian-us", sealed["customer_id"])
    assert store.select(
        "SELECT count() FROM events WHERE type = 'complaint.received.v1'"
        " AND JSONExtractString(data, 'customer_id') = {id:String}",
        {"id": pseudonym},
    ) == [(2,)]
    assert store.select(
        "SELECT customer_id FROM complaints WHERE complaint_id = {id:String}",
        {"id": sealed["complaint_id"]},
    ) == [(pseudonym,)]
    assert rows_mentioning(store, note["template"]) == 1


def test_personal_data_is_removed_at_any_depth() -> None:
    value = {
        "customer_name": "A", "region": "CA", "note": "pii:v1:0123abcd:c2VhbGVk",
        "raw": {"text": "B", "form": "x", "items": [{"customer_contact": "C", "n": 1}]},
        "tags": ["kept", "pii:v1:0123abcd:c2VhbGVk"],
    }

    assert without_personal_data(value) == {
        "region": "CA", "raw": {"form": "x", "items": [{"n": 1}]}, "tags": ["kept"],
    }


def test_every_field_the_contracts_mark_personal_is_dropped_even_in_plaintext(
    app: AnalyticsApplication, store: ClickHouseStore
) -> None:
    # Published before resolution sealed them: a task's note and a template note's values.
    task = raw_sample("resolution.task_completed.v1")
    note = raw_sample("resolution.investigation_note_added.v1")
    note["data"]["fields"] = {"problem": "Zhang Xiaoming was charged twice"}

    app.project([Consumed(*parse(task)), Consumed(*parse(note))])

    assert rows(store, "events") == 2
    assert rows_mentioning(store, task["data"]["note"]) == 0
    assert rows_mentioning(store, "Zhang Xiaoming") == 0
    assert {"note", "fields", "filename"} <= PERSONAL_DATA_KEYS
