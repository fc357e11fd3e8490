"""The triage threshold: below the taxonomy's triage_at the category model decides nothing."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from contracts.intake import Severity
from services.intake.classification import Classifier, ToClassify
from services.intake.classification.category_model import CategoryPrediction
from services.intake.classification.classifier import HERE, decide
from services.intake.classification.taxonomy import Taxonomy, load_taxonomy
from services.intake.classification.text import tokens

TAXONOMY = load_taxonomy(HERE / "taxonomy.yaml")
UNMATCHED = "Something happened and I am unhappy"


class FixedGuess:
    """A category model that answers the same for every text."""

    def __init__(self, category: str, probability: float) -> None:
        self.guess = CategoryPrediction(category, probability)

    def predict_many(self, texts: Sequence[str]) -> list[CategoryPrediction]:
        return [self.guess for _ in texts]


def classifier(category: str, probability: float) -> Classifier:
    return Classifier(category_model=FixedGuess(category, probability))  # type: ignore[arg-type]


def test_the_shipped_threshold_is_one_half_and_the_fallback_is_triage() -> None:
    assert (TAXONOMY.triage_at, TAXONOMY.fallback) == (0.5, "triage")


@pytest.mark.parametrize(
    ("probability", "expected"),
    [
        (0.5, ("medical_care", 0.5, "model:medical_care")),
        (0.93, ("medical_care", 0.93, "model:medical_care")),
        (0.499, ("triage", 0.499, "fallback:triage")),
        (0.0, ("triage", 0.0, "fallback:triage")),
    ],
)
def test_the_model_decides_at_or_above_the_threshold_and_triage_takes_the_rest(
    probability: float, expected: tuple[str, float, str],
) -> None:
    matches = TAXONOMY.match(tokens(UNMATCHED))
    guess = CategoryPrediction("medical_care", probability)
    assert decide(TAXONOMY, matches, None, guess) == expected


def test_below_the_threshold_keywords_that_weigh_enough_decide() -> None:
    matches = TAXONOMY.match(tokens("I was charged twice"))
    guess = CategoryPrediction("medical_care", 0.3)
    assert decide(TAXONOMY, matches, None, guess) == (
        "billing_charges", 0.667, "keywords:billing_charges"
    )


def test_a_named_product_decides_before_the_model() -> None:
    guess = CategoryPrediction("medical_care", 0.99)
    assert decide(TAXONOMY, [], "Mortgage", guess) == (
        "loans_mortgages", 1.0, "product:loans_mortgages"
    )


def test_a_guess_of_a_category_the_taxonomy_no_longer_has_is_triaged() -> None:
    guess = CategoryPrediction("retired_category", 0.99)
    assert decide(TAXONOMY, [], None, guess) == ("triage", 0.99, "fallback:triage")


def test_an_unsure_classification_is_triage_with_its_probability_and_its_severity() -> None:
    result = classifier("medical_care", 0.42).classify(subject="Hello", text=UNMATCHED)
    assert (result.category, result.confidence, result.rules_fired, result.severity) == (
        "triage", 0.42, ("fallback:triage",), Severity.P3
    )


def test_a_sure_classification_keeps_the_model_category_and_its_severity_rule() -> None:
    result = classifier("medical_care", 0.8).classify(subject="Hello", text=UNMATCHED)
    assert (result.category, result.confidence, result.rules_fired, result.severity) == (
        "medical_care", 0.8, ("model:medical_care", "severity:medical_care"), Severity.P2
    )


def test_classify_many_answers_as_classify_does_for_each() -> None:
    unsure = classifier("delivery_logistics", 0.2)
    items = [
        ToClassify("Hello", UNMATCHED),
        ToClassify("快递", "快递三天了还没到"),
        ToClassify("Problem", "They keep calling me.", product="Debt collection"),
    ]
    assert unsure.classify_many(items) == [
        unsure.classify(subject=i.subject, text=i.text, product=i.product) for i in items
    ]
    assert [c.category for c in unsure.classify_many(items)] == [
        "triage", "delivery_logistics", "debt_collection"
    ]


def test_keywords_first_categories_decide_before_a_sure_model() -> None:
    fraud_first = Taxonomy(TAXONOMY.spec.model_copy(update={"keywords_first": [
        "fraud_unauthorised"]}))
    text = "an unauthorized charge on my card, a refund please"
    guess = CategoryPrediction("billing_charges", 0.9)
    assert decide(fraud_first, fraud_first.match(tokens(text)), None, guess) == (
        "fraud_unauthorised", 0.5, "keywords:fraud_unauthorised"
    )
    assert TAXONOMY.keywords_first == frozenset()
    assert decide(TAXONOMY, TAXONOMY.match(tokens(text)), None, guess) == (
        "billing_charges", 0.9, "model:billing_charges"
    )


def test_other_keywords_do_not_override_a_sure_model() -> None:
    matches = TAXONOMY.match(tokens("I was charged twice"))
    guess = CategoryPrediction("medical_care", 0.9)
    assert decide(TAXONOMY, matches, None, guess) == ("medical_care", 0.9, "model:medical_care")


def test_fraud_words_make_a_complaint_p1_whatever_its_category() -> None:
    result = classifier("billing_charges", 0.9).classify(
        subject="Card", text="An unauthorized charge of 500 yuan on my card."
    )
    assert (result.category, result.severity, result.rules_fired) == (
        "billing_charges", Severity.P1, ("model:billing_charges", "severity:fraud")
    )
