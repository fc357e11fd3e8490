"""Every event type is routed to a fold or deliberately ignored; folds are pure."""

from __future__ import annotations

from contracts.registry import TOPIC_EVENTS
from contracts.topics import DOMAIN_TOPICS
from services.analytics.domain import Pseudonyms
from services.analytics.folding import (
    CLOCK_FOLDS,
    COMPLAINT_FOLDS,
    IGNORED,
    Context,
    clock_facts,
    complaint_facts,
)
from tests.unit.analytics.stories import Story


def test_every_domain_event_type_is_folded_or_deliberately_ignored() -> None:
    published = {cls for topic in DOMAIN_TOPICS for cls in TOPIC_EVENTS[topic]}
    routed = set(COMPLAINT_FOLDS) | set(CLOCK_FOLDS)

    assert published - routed - IGNORED == set()
    assert routed & IGNORED == set()


def test_a_complaint_fact_holds_only_what_its_event_knows() -> None:
    story = (Story("F1").received("2024-03-04 09:00", customer="cust-1", region=None,
                                  product="Card", channel_detail="Web")
             .assigned("payments", "billing-desk", None)
             .transferred(2, to_department="fraud", to_queue="fraud-desk", to_agent="a9"))
    pseudonym = Pseudonyms("k")

    received, assigned, transferred = complaint_facts(story.events, Context({}), pseudonym)

    assert received == {
        "tenant": "acme", "complaint_id": story.complaint_id, "time": "2024-03-04 09:00:00.000",
        "seq": 1, "updated_at": "2024-03-04 09:00:00.000", "channel": "web",
        "channel_detail": "Web", "product": "Card", "customer_id": pseudonym("acme", "cust-1"),
        "customer_tier": "standard", "historical": 0,
        "received_at": "2024-03-04 09:00:00.000", "intake_status": "received",
    }
    # Each stage's word on the status goes to its own column (contracts.lifecycle).
    assert {k: assigned[k] for k in ("queue", "department", "agent", "dispatch_status")} == {
        "queue": "billing-desk", "department": "payments", "agent": "",
        "dispatch_status": "queued",  # assigned to a queue, no agent yet
    }
    assert transferred["transfer_id"] == str(story.events[2].envelope.id)
    assert transferred["dispatch_status"] == "assigned"
    assert "status" not in transferred


def test_a_breach_names_its_clocks_target_from_the_batch_or_the_context() -> None:
    story = (Story("F2").received("2024-03-04 09:00", customer="c", region="CA", product="Card")
             .clock("k1", "first_response", "P1", breached=True))
    breach = story.events[-1]

    assert complaint_facts([breach], Context({"k1": "resolution"}), Pseudonyms(""))[0][
        "breached_targets"] == ["resolution"]
    assert complaint_facts([breach], Context({}), Pseudonyms(""))[0][
        "breached_targets"] == ["unknown"]
    assert [row["clock_id"] for row in clock_facts(story.events, Context({}))] == ["k1", "k1"]


def test_pseudonyms_depend_on_key_and_tenant_and_hide_the_id() -> None:
    same = Pseudonyms("secret")

    assert same("acme", "cust-1") == Pseudonyms("secret")("acme", "cust-1")
    assert same("acme", "cust-1") != Pseudonyms("other")("acme", "cust-1")
    assert same("acme", "cust-1") != same("globex", "cust-1")
    assert len(same("acme", "cust-1")) == 32
    assert "cust-1" not in same("acme", "cust-1")
