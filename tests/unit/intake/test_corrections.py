"""Active learning: an agent's category correction is an event, and its export is a label."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from contracts.intake import ComplaintCategoryCorrected
from contracts.registry import parse
from runtime.eventstore import persistence_env
from runtime.vault import KeyVault
from services.intake.application import IntakeApplication
from services.intake.classification.category_model import SEED, Example, examples_csv
from services.intake.classification.classifier import HERE
from services.intake.classification.model import Labelled
from services.intake.classification.taxonomy import load_taxonomy
from services.intake.corrections import UnknownCategory, correct_category, corrections, write_csv
from services.intake.domain import Customer, Submission
from services.intake.published import translator
from services.intake.tools.train import category_examples
from tests.unit.intake.test_triage import classifier

TAXONOMY = load_taxonomy(HERE / "taxonomy.yaml")
AT = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


@pytest.fixture
def app(tmp_path):
    url = f"sqlite:///{tmp_path}/intake.sqlite"
    app = IntakeApplication(env=persistence_env(url), vault=KeyVault.from_url(url),
                            classifier=classifier("delivery_logistics", 0.2))
    yield app
    app.close()


def file(app, text: str, customer: str = "cust-1"):
    submission = Submission(channel="app", subject="问题", text=text,
                            customer=Customer(id=customer))
    return app.file_complaint(submission, tenant="acme").complaint_id


def published(app) -> list:
    translate = translator(source="/services/intake")
    notifications = app.recorder.select_notifications(None, 100)
    envelopes = [translate(app.mapper.to_domain_event(n)) for n in notifications]
    return [parse(e.model_dump_json()) for e in envelopes if e is not None]


def test_a_correction_of_a_triaged_complaint_is_published_with_both_categories(app) -> None:
    complaint_id = file(app, "我有一个问题想反映一下")
    correct_category(app, complaint_id=complaint_id, category="service_attitude",
                     agent_id="cs-li", at=AT, taxonomy=TAXONOMY)

    _, event = published(app)[-1]
    assert isinstance(event, ComplaintCategoryCorrected)
    assert event.model_dump(include={"complaint_id", "previous_category", "category",
                                     "corrected_by", "corrected_at"}) == {
        "complaint_id": str(complaint_id), "previous_category": "triage",
        "category": "service_attitude", "corrected_by": "cs-li", "corrected_at": AT,
    }
    assert app.get_complaint(complaint_id).understanding["category"] == "service_attitude"


@pytest.mark.parametrize("category", ["triage", "no_such_category"])
def test_a_correction_names_a_real_category_not_triage(app, category: str) -> None:
    complaint_id = file(app, "我有一个问题想反映一下")
    with pytest.raises(UnknownCategory):
        correct_category(app, complaint_id=complaint_id, category=category,
                         agent_id="cs-li", at=AT, taxonomy=TAXONOMY)


def test_the_export_labels_each_corrected_text_with_its_latest_category(app, tmp_path) -> None:
    first = file(app, "我有一个问题想反映一下", customer="cust-1")
    file(app, "快递三天了还没到", customer="cust-2")  # never corrected: not a label
    for category in ("service_attitude", "billing_charges"):
        correct_category(app, complaint_id=first, category=category, agent_id="cs-li",
                         at=AT, taxonomy=TAXONOMY)

    examples = corrections(app)
    assert examples == [Example("问题\n我有一个问题想反映一下", "billing_charges")]
    write_csv(examples, tmp_path / "corrections.csv")
    assert examples_csv(tmp_path / "corrections.csv") == examples


def test_an_erased_customer_s_correction_is_not_exported(app) -> None:
    complaint_id = file(app, "我有一个问题想反映一下", customer="cust-1")
    correct_category(app, complaint_id=complaint_id, category="service_attitude",
                     agent_id="cs-li", at=AT, taxonomy=TAXONOMY)
    app.erase_customer(tenant="acme", customer_id="cust-1", reason="customer_request")
    assert corrections(app) == []


def test_retraining_learns_corrections_as_labels_after_the_cfpb_rows_and_the_seed() -> None:
    rows = [Labelled("1", "My mortgage escrow is wrong", "Mortgage"),
            Labelled("2", "About my pets", "Pet insurance")]  # not mapped: left out
    correction = Example("话费被乱扣了", "billing_charges")
    examples = category_examples(rows, TAXONOMY, corrections=[correction])
    assert examples[0] == Example("My mortgage escrow is wrong", "loans_mortgages")
    assert examples[-1] == correction
    assert len(examples) == 2 + len(examples_csv(SEED))


def test_retraining_refuses_a_correction_to_a_category_the_taxonomy_lacks() -> None:
    with pytest.raises(ValueError, match="retired"):
        category_examples([], TAXONOMY, corrections=[Example("text", "retired")])
