"""What a filing publishes: received then classified (or duplicate_marked); Received upcasting."""

from __future__ import annotations

import os
import shutil
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from eventsourcing.persistence import StoredEvent
from prometheus_client import REGISTRY

from contracts.intake import ComplaintDetails
from contracts.registry import parse
from runtime.eventstore import persistence_env
from runtime.vault import KeyVault
from services.intake.application import IntakeApplication
from services.intake.classification import Classifier
from services.intake.classification.category_model import CategoryPrediction
from services.intake.classification.classifier import HERE
from services.intake.domain import AlreadyUnderstood, Customer, Submission
from services.intake.published import translator

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
NAME, CONTACT = "Wang Fang", "+86 139 1234 5678"
TEXT = (
    "Someone made unauthorized transactions with my card at 2am. This is unacceptable and I "
    "am furious. My attorney will hear about it."
)


@pytest.fixture(scope="module")
def classifier() -> Classifier:
    return Classifier()


def make_app(tmp_path, classifier, clock=lambda: NOW) -> IntakeApplication:
    url = f"sqlite:///{tmp_path}/intake.sqlite"
    return IntakeApplication(
        env=persistence_env(url), vault=KeyVault.from_url(url), classifier=classifier,
        clock=clock,
    )


@pytest.fixture
def app(tmp_path, classifier):
    app = make_app(tmp_path, classifier)
    yield app
    app.close()


def submission(text: str = TEXT, **changes) -> Submission:
    fields = {
        "channel": "app", "subject": "Card fraud", "text": text,
        "customer": Customer(id="cust-9", name=NAME, contact=CONTACT, tier="vip", region="GD"),
        **changes,
    }
    return Submission(**fields)


def published(app) -> list:
    translate = translator(source="/services/intake")
    notifications = app.recorder.select_notifications(None, 100)
    envelopes = [translate(app.mapper.to_domain_event(n)) for n in notifications]
    return [parse(e.model_dump_json()) for e in envelopes if e is not None]


def counted(name: str, labels: dict | None = None) -> float:
    return REGISTRY.get_sample_value(name, labels or {}) or 0.0


def test_a_filing_publishes_received_then_classified_with_the_reasons(app) -> None:
    filed = app.file_complaint(submission(), tenant="acme")

    [(received, _), (classified, event)] = published(app)

    assert [received.type, classified.type] == ["complaint.received.v1", "complaint.classified.v1"]
    assert (received.sequence, classified.sequence) == (1, 2)
    assert received.subject == classified.subject == str(filed.complaint_id)
    assert classified.correlationid == received.correlationid
    assert event.model_dump(mode="json") == {
        "complaint_id": str(filed.complaint_id),
        "category": "fraud_unauthorised",
        "severity": "P1",
        "confidence": 0.8,
        "rules_fired": [
            "keywords:fraud_unauthorised", "severity:fraud", "raise:crisis_signal",
            "raise:strongly_negative", "raise:vip_customer",
        ],
        "crisis_signals": ["attorney"],
        "product": None,  # the model was not confident enough to name one
        "language": "en",
        "channel": "app",
        "customer_tier": "vip",
        "region": "GD",
        "keywords": ["fraud*", "unauthori*"],
        "sentiment": -0.818,
        "historical": False,
    }


def test_the_classified_event_carries_no_personal_data(app) -> None:
    app.file_complaint(submission(), tenant="acme")

    [_, (classified, _)] = published(app)

    text = classified.model_dump_json()
    for personal in (NAME, CONTACT, "2am", "furious", "Card fraud", "My attorney"):
        assert personal not in text


def test_a_chinese_complaint_is_classified_in_chinese(app) -> None:
    app.file_complaint(submission("快递三天了还没到，客服态度很差，我要投诉到12315！",
                                  subject="快递"), tenant="acme")

    [_, (_, event)] = published(app)

    assert (event.language, event.category, event.severity, event.crisis_signals) == (
        "zh", "delivery_logistics", "P1", ("12315", "投诉到")
    )
    assert app.get_complaint(uuid.UUID(event.complaint_id)).language == "zh"


def test_a_duplicate_publishes_received_then_duplicate_marked_instead_of_classified(
    app,
) -> None:
    first = app.file_complaint(submission(), tenant="acme")
    again = app.file_complaint(submission(channel="phone", subject="Called about it"),
                               tenant="acme")

    types = [(envelope.type, envelope.subject) for envelope, _ in published(app)]
    assert types == [
        ("complaint.received.v1", str(first.complaint_id)),
        ("complaint.classified.v1", str(first.complaint_id)),
        ("complaint.received.v1", str(again.complaint_id)),
        ("complaint.duplicate_marked.v1", str(again.complaint_id)),
    ]
    _, marked = published(app)[-1]
    assert marked.model_dump(mode="json") == {
        "complaint_id": str(again.complaint_id),
        "original_complaint_id": str(first.complaint_id),
        "similarity": 1.0,
        "reason": "same customer, text 100% similar within 72 hours",
    }


def test_an_imported_complaint_is_classified_as_history(app) -> None:
    app.file_complaint(
        submission(historical=True, received_at=NOW - timedelta(days=900)), tenant="acme"
    )

    [(_, received), (_, classified)] = published(app)

    assert (received.historical, classified.historical) == (True, True)
    assert classified.category == "fraud_unauthorised"


def test_filing_counts_categories_severities_duplicates_and_time(app) -> None:
    labels = {"category": "fraud_unauthorised", "severity": "P1"}
    before = (
        counted("intake_complaints_classified_total", labels),
        counted("intake_duplicates_linked_total"),
        counted("intake_classification_seconds_count"),
    )

    app.file_complaint(submission(), tenant="acme")
    app.file_complaint(submission(), tenant="acme")

    after = (
        counted("intake_complaints_classified_total", labels),
        counted("intake_duplicates_linked_total"),
        counted("intake_classification_seconds_count"),
    )
    assert [a - b for a, b in zip(after, before, strict=True)] == [1, 1, 2]


class FixedGuess:
    """A category model that answers the same for every text."""

    def __init__(self, guess: CategoryPrediction) -> None:
        self.guess = guess

    def predict_many(self, texts: list[str]) -> list[CategoryPrediction]:
        return [self.guess for _ in texts]


def test_edited_rules_apply_to_the_next_complaint_without_a_restart(tmp_path) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    for name in ("taxonomy.yaml", "severity.yaml", "sentiment.yaml"):
        shutil.copy(HERE / name, rules / name)
    # A category model unsure of everything, so the keyword rules are what decides.
    unsure = FixedGuess(CategoryPrediction("medical_care", 0.2))
    app = make_app(tmp_path, Classifier(rules_dir=rules, category_model=unsure))
    text = "The pharmacy gave me somebody else's pills."
    app.file_complaint(submission(text, subject="Pills", customer=Customer(id="c-1")),
                       tenant="acme")

    taxonomy = rules / "taxonomy.yaml"
    taxonomy.write_text(taxonomy.read_text(encoding="utf-8").replace(
        "        prescription: 1\n", "        prescription: 1\n        pharmacy: 2\n"
    ), encoding="utf-8")
    os.utime(taxonomy, ns=(1, 1))  # a new mtime, whatever the file system's resolution
    app.file_complaint(submission(text, subject="Pills", customer=Customer(id="c-2")),
                       tenant="acme")

    categories = [e.category for _, e in published(app) if hasattr(e, "category")]
    assert categories == ["triage", "medical_care"]


def test_a_received_event_stored_before_language_existed_is_upcast(app) -> None:
    complaint_id = uuid.uuid4()
    state = {  # exactly what version 1 stored: no language, no class_version
        "timestamp": NOW, "originator_topic": "services.intake.domain:Complaint",
        "tenant": "acme", "channel": "web",
        "customer": {"id": "cust-1", "name": None, "contact": None, "tier": "standard",
                     "region": None},
        "subject": app.vault.seal("acme", "cust-1", "Refund"),
        "text": app.vault.seal("acme", "cust-1", "Where is my refund?"),
        "received_at": NOW, "occurred_at": None, "external_reference": None,
        "product": None, "company": None, "attachments": [], "historical": False,
        "cause": None,
    }
    app.recorder.insert_events([StoredEvent(
        originator_id=complaint_id, originator_version=1,
        topic="services.intake.domain:Complaint.Received",
        state=app.mapper.transcoder.encode(state),
    )])

    complaint = app.get_complaint(complaint_id)

    assert (complaint.language, complaint.channel, complaint.received_at) == ("und", "web", NOW)
    [(envelope, received)] = published(app)
    assert (envelope.type, received.channel_detail) == ("complaint.received.v1", None)


def test_a_received_event_of_version_2_keeps_its_details_and_publishes_them_as_before(app):
    complaint_id = uuid.uuid4()
    state = {  # what version 2 stored: the details side by side, no complaint id
        "timestamp": NOW, "originator_topic": "services.intake.domain:Complaint",
        "tenant": "acme", "channel": "cfpb",
        "customer": {"id": "cfpb:7", "name": None, "contact": None, "tier": "standard",
                     "region": "CA"},
        "subject": app.vault.seal("acme", "cfpb:7", "Fees"),
        "text": app.vault.seal("acme", "cfpb:7", "A fee I never agreed to"),
        "received_at": NOW, "occurred_at": NOW, "external_reference": "cfpb:7",
        "product": "Checking or savings account", "company": "Bank A", "attachments": [],
        "historical": True, "cause": None, "channel_detail": "Web",
        "sub_product": "Checking account", "issue": "Managing an account", "language": "en",
        "class_version": 2,
    }
    app.recorder.insert_events([StoredEvent(
        originator_id=complaint_id, originator_version=1,
        topic="services.intake.domain:Complaint.Received",
        state=app.mapper.transcoder.encode(state),
    )])

    complaint = app.get_complaint(complaint_id)
    [(envelope, received)] = published(app)

    assert complaint.details == ComplaintDetails(
        occurred_at=NOW, external_reference="cfpb:7", product="Checking or savings account",
        company="Bank A", channel_detail="Web", sub_product="Checking account",
        issue="Managing an account")
    assert (complaint.product, complaint.issue) == ("Checking or savings account",
                                                    "Managing an account")
    assert ComplaintDetails.of(received) == complaint.details
    assert (envelope.subject, envelope.tenant, received.region) == (
        str(complaint_id), "acme", "CA")


def test_new_received_events_are_stored_as_version_3(app) -> None:
    # Version 2 added the language; version 3 holds the complaint's details as one dict.
    app.file_complaint(submission(), tenant="acme")

    first = app.recorder.select_notifications(None, 1)[0]

    stored = app.mapper.transcoder.decode(first.state)
    assert (stored["class_version"], stored["language"]) == (3, "en")
    assert set(stored["details"]) == set(ComplaintDetails.model_fields)


def test_a_complaint_is_understood_once(app) -> None:
    filed = app.file_complaint(submission(), tenant="acme")
    complaint = app.get_complaint(filed.complaint_id)

    with pytest.raises(AlreadyUnderstood):
        complaint.mark_duplicate(original_id=uuid.uuid4(), similarity=0.9, reason="again")
    assert complaint.understanding == {"category": "fraud_unauthorised", "severity": "P1",
                                       "confidence": 0.8}
