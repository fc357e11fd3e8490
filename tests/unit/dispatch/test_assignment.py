"""Dispatch routes every classified complaint once, by the rules, and publishes why."""

from __future__ import annotations

from contracts.dispatch import ComplaintAssigned
from contracts.envelope import Envelope, event_id
from contracts.registry import parse
from runtime.inbox import Outcome
from runtime.lifecycle import status_of
from services.dispatch.domain import Assignment, Status

from .conftest import SOURCE, START, classified, owners, published_envelopes, sample

COMPLAINT = "201e730e-1186-5080-a083-198a2bc06e90"


def test_a_classified_complaint_is_routed_by_rule_and_assigned_with_the_reason(app, inbox):
    envelope, event = classified(COMPLAINT, "billing_charges", "P2")

    assert inbox.process(envelope, event) is Outcome.HANDLED

    assignment = app.get_assignment(COMPLAINT)
    rules = app.rules.current()
    assert (
        assignment.status, assignment.queue, assignment.department, assignment.agent_id,
        assignment.rule_id, assignment.rule_set_version, assignment.rule_set_hash,
        assignment.strategy, assignment.priority, assignment.skills,
    ) == (
        Status.ASSIGNED, "billing", "service", "ana", "billing", "2025.1", rules.content_hash,
        "skill_based", 2, ["billing"],
    )
    assert published_envelopes(app) == [
        Envelope(
            id=event_id(SOURCE, Assignment.create_id(COMPLAINT), 3),
            source=SOURCE,
            type="complaint.assigned.v1",
            subject=COMPLAINT,
            time=published_envelopes(app)[0].time,
            dataschema="urn:complaints:schema:complaint.assigned.v1",
            correlationid=envelope.correlationid,
            causationid=envelope.id,
            sequence=3,
            tenant="experian-us",
            # Handled in a span of a new trace, the event having come without one.
            traceparent=published_envelopes(app)[0].traceparent,
            data={
                "complaint_id": COMPLAINT,
                "queue": "billing",
                "agent_id": "ana",
                "department": "service",
                "rule_id": "billing",
                "rule_set_version": "2025.1",
                "rule_set_hash": rules.content_hash,
                "strategy": "skill_based",
                "trigger": "routed",
                "reason": "Rule billing (priority 20): category in billing_charges; ana has "
                          "skill billing, language en and 0 of 2 slots in use",
            },
        )
    ]


def test_the_published_assignment_parses_as_the_contract(app, inbox):
    inbox.process(*classified(COMPLAINT, "fraud_card"))

    [assigned] = published_envelopes(app)

    assert parse(assigned.model_dump_json()) == (
        assigned, ComplaintAssigned.model_validate(assigned.data)
    )
    assert (assigned.data["queue"], assigned.data["agent_id"]) == ("fraud", "fay")


def test_every_classified_fact_is_routed_on_and_kept_for_replay(app, inbox, files):
    files.write_rules("""\
        version: "2"
        default: {queue: general}
        rules:
          - id: vip-app-zh
            priority: 1
            when: {customer_tier: vip, channel: app, language: zh, region: CN-31}
            queue: billing
    """)

    inbox.process(*classified(
        COMPLAINT, "other", "P1", channel="app", customer_tier="vip", language="zh",
        region="CN-31", keywords=["退款"],
    ))

    assignment = app.get_assignment(COMPLAINT)
    assert (assignment.rule_id, assignment.queue, assignment.agent_id) == (
        "vip-app-zh", "billing", "bo"
    )
    assert assignment.facts == {
        "category": "other", "severity": "P1", "channel": "app", "customer_tier": "vip",
        "region": "CN-31", "language": "zh",
        "product": "Credit reporting, credit repair services, or other personal consumer reports",
        "keywords": ["退款"],
    }


def test_keywords_come_from_the_fired_keyword_rules_until_intake_sends_them(app, inbox, files):
    files.write_rules("""\
        version: "3"
        default: {queue: general}
        rules:
          - {id: theft, priority: 1, when: {keywords: [identity theft]}, queue: fraud}
    """)

    inbox.process(*classified(
        COMPLAINT, keywords=[], rules_fired=["kw:identity theft", "product:x"]
    ))

    assert app.get_assignment(COMPLAINT).facts["keywords"] == ["identity theft"]
    assert app.get_assignment(COMPLAINT).queue == "fraud"


def test_a_redelivered_or_repeated_classification_routes_nothing_more(app, inbox):
    envelope, event = classified(COMPLAINT, "billing_charges")
    inbox.process(envelope, event)
    stored = len(app.recorder.select_notifications(None, 1000))

    assert inbox.process(envelope, event) is Outcome.DUPLICATE
    assert len(app.recorder.select_notifications(None, 1000)) == stored
    assert inbox.process(*classified(COMPLAINT, "fraud_card")) is Outcome.HANDLED
    assert len(app.recorder.select_notifications(None, 1000)) == stored + 1  # the marker only
    assert owners(app) == [("assigned", COMPLAINT, "ana")]


def test_received_and_duplicate_complaints_wait_for_a_classification(app, inbox):
    received = sample("complaint.received.v1", complaint_id=COMPLAINT)
    duplicate = sample("complaint.duplicate_marked.v1", complaint_id=COMPLAINT)

    assert inbox.process(*received) is Outcome.HANDLED  # its lifecycle status only
    assert inbox.process(*duplicate) is Outcome.HANDLED
    assert published_envelopes(app) == []
    assert status_of(app, COMPLAINT) == "duplicate"


def test_imported_history_is_routed_for_the_record_without_taking_an_agent(app, inbox):
    inbox.process(*classified(COMPLAINT, "billing_charges", historical=True))

    [assigned] = published_envelopes(app)
    assert (assigned.data["queue"], assigned.data["agent_id"], assigned.data["rule_id"]) == (
        "billing", None, "billing"
    )
    assert app.seat("ana").load == 0


def test_events_dispatch_does_not_use_are_ignored(app, inbox):
    envelope, event = sample("customer.erased.v1", complaint_id="x")
    opened = sample("resolution.case_opened.v1", complaint_id=COMPLAINT)

    assert inbox.intake.process(envelope, event) is Outcome.IGNORED
    assert inbox.resolution.process(*opened) is Outcome.IGNORED
    assert app.recorder.select_notifications(None, 10) == []


def test_the_time_of_arrival_is_the_classification_s(app, inbox):
    envelope, event = classified(COMPLAINT)

    inbox.process(envelope, event)

    assert app.get_assignment(COMPLAINT).arrived_at == envelope.time.isoformat()
    assert envelope.time.isoformat() != START.isoformat()
