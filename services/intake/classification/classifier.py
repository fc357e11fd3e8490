"""Classifies a complaint's plaintext: keyword rules first, then the trained product model."""

from __future__ import annotations

import functools
import threading
from dataclasses import dataclass
from pathlib import Path

from contracts.intake import CustomerTier, Severity
from services.intake.classification.model import Prediction, ProductModel
from services.intake.classification.rulefile import Reloading
from services.intake.classification.sentiment import Sentiment, load_sentiment
from services.intake.classification.severity import Facts, SeverityRules, load_severity
from services.intake.classification.taxonomy import KeywordMatch, Taxonomy, load_taxonomy
from services.intake.classification.text import language, tokens

HERE = Path(__file__).resolve().parent
# What the rules and the model read of a text: its opening, which says what the complaint is
# about, and as much as the longest text ever accepted before (so those classify as they did).
# The rest is stored whole; reading all of 1M characters would hold a filing for tens of seconds.
READ_CHARACTERS = 20_000


@dataclass(frozen=True)
class Classification:
    """What intake understood; carries rule ids and taxonomy terms, never the customer's text."""

    category: str
    product: str | None
    confidence: float
    severity: Severity
    rules_fired: tuple[str, ...]
    crisis_signals: tuple[str, ...]
    keywords: tuple[str, ...]
    sentiment: float
    language: str


class Classifier:
    """Taxonomy, severity rules and sentiment lexicon (each reloaded when its file changes)
    plus the product model (loaded on first use)."""

    def __init__(
        self, *, rules_dir: Path = HERE, model_path: Path = HERE / "model.joblib",
        model: ProductModel | None = None,
    ) -> None:
        self.taxonomy = Reloading(rules_dir / "taxonomy.yaml", load_taxonomy)
        self.severity = Reloading(rules_dir / "severity.yaml", self._load_severity)
        self.sentiment = Reloading(rules_dir / "sentiment.yaml", load_sentiment)
        self.model_path = model_path
        self._model = model
        self._lock = threading.Lock()

    def classify(
        self, *, subject: str, text: str, product: str | None = None,
        tier: CustomerTier = CustomerTier.STANDARD,
    ) -> Classification:
        """Category, product, severity and the reasons, from the first READ_CHARACTERS."""
        taxonomy, whole = self.taxonomy.get(), f"{subject}\n{text[:READ_CHARACTERS]}"
        words, lang = tokens(whole), language(whole)
        matches = taxonomy.match(words)
        prediction = None if product else self._predict(whole, lang)
        if prediction and prediction.probability < taxonomy.min_model_confidence:
            prediction = None
        category, confidence, decided_by = decide(taxonomy, matches, product, prediction)
        sentiment: Sentiment = self.sentiment.get()
        score = sentiment.score_tokens(words)
        assessment = self.severity.get().assess(Facts(category, words, score, tier))
        return Classification(
            category=category,
            product=product or (prediction.product if prediction else None),
            confidence=confidence,
            severity=assessment.severity,
            rules_fired=(decided_by, *assessment.rules_fired),
            crisis_signals=assessment.crisis_signals,
            keywords=tuple(sorted({t for m in matches for t in m.terms})),
            sentiment=score,
            language=lang,
        )

    def model(self) -> ProductModel:
        """The product model, loaded from model_path on first use."""
        with self._lock:
            if self._model is None:
                self._model = ProductModel.load(self.model_path)
            return self._model

    def _predict(self, text: str, lang: str) -> Prediction | None:
        model = self.model()
        return model.predict(text) if lang in model.languages else None

    def _load_severity(self, path: Path) -> SeverityRules:
        rules = load_severity(path)
        rules.check_categories(self.taxonomy.get().ids)
        return rules


@functools.cache
def shipped() -> Classifier:
    """The classifier with the rules and model shipped in this package, built once per process."""
    return Classifier()


def decide(
    taxonomy: Taxonomy, matches: list[KeywordMatch], product: str | None,
    prediction: Prediction | None,
) -> tuple[str, float, str]:
    """(category, confidence, the rule that decided): keywords, given product, model, fallback."""
    if matches and matches[0].weight >= taxonomy.min_rule_weight:
        top, total = matches[0], sum(m.weight for m in matches)
        return top.category, round(top.weight / (total + 1), 3), f"keywords:{top.category}"
    by_product = taxonomy.category_for_product(product)
    if by_product:
        return by_product, 1.0, f"product:{by_product}"
    by_model = taxonomy.category_for_product(prediction.product if prediction else None)
    if by_model and prediction:
        return by_model, prediction.probability, f"model:{by_model}"
    return taxonomy.fallback, 0.0, f"fallback:{taxonomy.fallback}"
