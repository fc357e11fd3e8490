"""Classifies a complaint's plaintext: the named product, the category model, keywords, triage."""

from __future__ import annotations

import functools
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from contracts.intake import CustomerTier, Severity
from services.intake.classification.category_model import CategoryModel, CategoryPrediction
from services.intake.classification.model import ProductModel
from services.intake.classification.rulefile import Reloading
from services.intake.classification.sentiment import load_sentiment
from services.intake.classification.severity import Facts, SeverityRules, load_severity
from services.intake.classification.taxonomy import KeywordMatch, Taxonomy, load_taxonomy
from services.intake.classification.text import language, tokens

HERE = Path(__file__).resolve().parent
# What the rules and the model read of a text: its opening, which says what the complaint is
# about, and as much as the longest text ever accepted before (so those classify as they did).
# The rest is stored whole; reading all of 1M characters would hold a filing for tens of seconds.
READ_CHARACTERS = 20_000
# The models read less: their cost grows with the text, and the opening names the subject.
MODEL_CHARACTERS = 3_000


@dataclass(frozen=True)
class ToClassify:
    """A complaint's plaintext and what the channel already said about it."""

    subject: str
    text: str
    product: str | None = None
    tier: CustomerTier = CustomerTier.STANDARD


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
    plus the product and category models (loaded on first use)."""

    def __init__(
        self, *, rules_dir: Path = HERE, model_path: Path = HERE / "model.joblib",
        model: ProductModel | None = None,
        category_model_path: Path = HERE / "category_model.joblib",
        category_model: CategoryModel | None = None,
    ) -> None:
        self.taxonomy = Reloading(rules_dir / "taxonomy.yaml", load_taxonomy)
        self.severity = Reloading(rules_dir / "severity.yaml", self._load_severity)
        self.sentiment = Reloading(rules_dir / "sentiment.yaml", load_sentiment)
        self.model_path = model_path
        self._model = model
        self.category_model_path = category_model_path
        self._category_model = category_model
        self._lock = threading.Lock()

    def classify(
        self, *, subject: str, text: str, product: str | None = None,
        tier: CustomerTier = CustomerTier.STANDARD,
    ) -> Classification:
        """Category, product, severity and the reasons, from the first READ_CHARACTERS.

        Below the taxonomy's triage_at the category model decides nothing: unless keywords
        weigh enough, the category is the fallback, which dispatch routes to triage."""
        return self.classify_many([ToClassify(subject, text, product, tier)])[0]

    def classify_many(self, items: Sequence[ToClassify]) -> list[Classification]:
        """classify() of each, with each model called once for all: the cheap way per item."""
        taxonomy, sentiment = self.taxonomy.get(), self.sentiment.get()
        severity = self.severity.get()
        wholes = [f"{i.subject}\n{i.text[:READ_CHARACTERS]}" for i in items]
        openings = [w[:MODEL_CHARACTERS] for w in wholes]
        words = [tokens(w) for w in wholes]
        langs = [language(w) for w in wholes]
        model = self.model()
        guessing = [n for n, i in enumerate(items) if not i.product]
        naming = [n for n in guessing if langs[n] in model.languages]
        products = dict(zip(naming, model.predictions([openings[n] for n in naming]), strict=True))
        guesses = dict(zip(
            guessing, self.categories().predict_many([openings[n] for n in guessing]), strict=True
        ))
        out = []
        for n, item in enumerate(items):
            matches = taxonomy.match(words[n])
            prediction = products.get(n)
            if prediction and prediction.probability < taxonomy.min_model_confidence:
                prediction = None
            category, confidence, decided_by = decide(
                taxonomy, matches, item.product, guesses.get(n)
            )
            score = sentiment.score_tokens(words[n])
            assessment = severity.assess(Facts(category, words[n], score, item.tier))
            out.append(Classification(
                category=category,
                product=item.product or (prediction.product if prediction else None),
                confidence=confidence,
                severity=assessment.severity,
                rules_fired=(decided_by, *assessment.rules_fired),
                crisis_signals=assessment.crisis_signals,
                keywords=tuple(sorted({t for m in matches for t in m.terms})),
                sentiment=score,
                language=langs[n],
            ))
        return out

    def model(self) -> ProductModel:
        """The product model, loaded from model_path on first use."""
        with self._lock:
            if self._model is None:
                self._model = ProductModel.load(self.model_path)
            return self._model

    def categories(self) -> CategoryModel:
        """The category model, loaded from category_model_path on first use."""
        with self._lock:
            if self._category_model is None:
                self._category_model = CategoryModel.load(self.category_model_path)
            return self._category_model

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
    guess: CategoryPrediction | None,
) -> tuple[str, float, str]:
    """(category, confidence, the rule that decided): the product named, keywords_first
    categories' keywords, the category model when sure enough, keywords, else the fallback.
    The product model's guess names a product only: its probability is not calibrated, so it
    never decides a category."""
    by_product = taxonomy.category_for_product(product)
    if by_product:
        return by_product, 1.0, f"product:{by_product}"
    total = sum(m.weight for m in matches)
    first = [m for m in matches
             if m.category in taxonomy.keywords_first and m.weight >= taxonomy.min_rule_weight]
    if first:
        return first[0].category, round(first[0].weight / (total + 1), 3), \
            f"keywords:{first[0].category}"
    if guess and guess.probability >= taxonomy.triage_at and guess.category in taxonomy.ids:
        return guess.category, guess.probability, f"model:{guess.category}"
    if matches and matches[0].weight >= taxonomy.min_rule_weight:
        top = matches[0]
        return top.category, round(top.weight / (total + 1), 3), f"keywords:{top.category}"
    unsure = guess.probability if guess else 0.0
    return taxonomy.fallback, unsure, f"fallback:{taxonomy.fallback}"
