"""The shipped classifier: the trained models, and how a category is decided."""

from __future__ import annotations

import pytest

from contracts.intake import CustomerTier, Severity
from services.intake.classification import Classifier
from services.intake.classification.classifier import HERE
from services.intake.classification.model import ProductModel, clean, held_out

MODEL = ProductModel.load(HERE / "model.joblib")


@pytest.fixture(scope="module")
def classifier() -> Classifier:
    return Classifier()


def test_the_shipped_model_knows_the_cfpb_products() -> None:
    assert MODEL.rows == 2067
    assert MODEL.languages == frozenset({"en"})
    assert len(MODEL.products) == 13
    assert "Debt collection" in MODEL.products


@pytest.mark.parametrize(
    ("text", "product"),
    [
        ("A debt collector keeps calling me about a debt I do not owe", "Debt collection"),
        ("My mortgage servicer mishandled my escrow account and started foreclosure",
         "Mortgage"),
        ("My checking account was closed and the bank kept my deposit",
         "Checking or savings account"),
    ],
)
def test_the_model_predicts_the_product_of_a_clear_text(text: str, product: str) -> None:
    prediction = MODEL.predict(text)
    assert prediction.product == product
    assert prediction.probability > 0.9


def test_masked_personal_data_and_amounts_are_not_features() -> None:
    assert clean("Paid {$1,200.00} to XXXX XXXX on XX/XX/2023") == "Paid   to     on  / /2023"


def test_the_split_is_deterministic() -> None:
    assert [held_out(str(n)) for n in range(7173310, 7173320)] == [
        held_out(str(n)) for n in range(7173310, 7173320)
    ]
    assert sum(held_out(str(n)) for n in range(10_000)) in range(1900, 2100)


def test_the_category_model_decides_when_it_is_sure_enough(classifier: Classifier) -> None:
    result = classifier.classify(
        subject="Charged twice", text="My card was charged twice for one order, refund me."
    )
    assert (result.category, result.product, result.rules_fired, result.keywords) == (
        "billing_charges", "Credit card or prepaid card", ("model:billing_charges",),
        ("charged twice", "refund*"),
    )
    assert result.confidence >= 0.5


def test_a_named_product_decides_when_keywords_do_not(classifier: Classifier) -> None:
    result = classifier.classify(
        subject="Problem", text="They keep calling me at work.", product="Debt collection"
    )
    assert (result.category, result.product, result.confidence, result.rules_fired) == (
        "debt_collection", "Debt collection", 1.0, ("product:debt_collection",)
    )


def test_the_model_decides_when_nothing_else_does(classifier: Classifier) -> None:
    result = classifier.classify(
        subject="Managing an account", text="Deposits and withdrawals"  # deposit* weighs 1
    )
    assert (result.category, result.product, result.rules_fired) == (
        "banking_payments", "Checking or savings account", ("model:banking_payments",)
    )
    assert result.confidence > 0.9
    assert result.keywords == ("deposit*",)


def test_nothing_recognised_is_triage_with_the_model_s_low_confidence(
    classifier: Classifier,
) -> None:
    result = classifier.classify(subject="Hello", text="Something happened and I am unhappy")
    assert (result.category, result.product, result.rules_fired) == (
        "triage", None, ("fallback:triage",)
    )
    assert result.confidence < 0.5


def test_chinese_text_is_classified_by_the_same_category_model(classifier: Classifier) -> None:
    result = classifier.classify(
        subject="快递", text="快递三天了还没到，客服态度很差，我要投诉到12315！",
        tier=CustomerTier.VIP,
    )
    assert (result.category, result.product, result.severity, result.rules_fired) == (
        "delivery_logistics", None, Severity.P1,
        ("model:delivery_logistics", "raise:crisis_signal", "raise:vip_customer"),
    )
    assert (result.crisis_signals, result.keywords, result.sentiment, result.language) == (
        ("12315", "投诉到"), ("客服态度", "快递"), -0.459, "zh"
    )
    assert result.confidence >= 0.5


def test_a_fraud_complaint_from_an_angry_customer_is_p1_with_reasons(
    classifier: Classifier,
) -> None:
    result = classifier.classify(
        subject="Unauthorized charges",
        text="Someone made unauthorized transactions on my account. This is unacceptable "
             "and I am furious. My attorney will hear about it.",
    )
    assert (result.category, result.severity, result.crisis_signals) == (
        "fraud_unauthorised", Severity.P1, ("attorney",)
    )
    assert result.rules_fired == (
        "keywords:fraud_unauthorised", "severity:fraud", "raise:crisis_signal",
        "raise:strongly_negative",
    )
    assert result.sentiment == -0.818
