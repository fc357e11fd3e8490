"""The product classifier: TF-IDF over words and characters, then logistic regression.

The category is decided by category_model.py; this one names the CFPB product.

Character n-grams (within word boundaries) make the same pipeline usable for Chinese text,
which has no spaces; trained on the CFPB sample it knows English financial products only.
"""

from __future__ import annotations

import csv
import hashlib
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import joblib
import sklearn
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline

from services.intake.classification.text import language

FORMAT = 1
MASKS = re.compile(r"X{2,}|\{\$[\d,.]+\}")  # the CFPB's masked personal data and amounts
CFPB_TEXT = ("Issue", "Sub-issue", "Consumer complaint narrative")


@dataclass(frozen=True)
class Labelled:
    """One row of labelled history: the text and the product it was filed under."""

    key: str
    text: str
    product: str


@dataclass(frozen=True)
class Prediction:
    product: str
    probability: float


def cfpb_rows(path: Path) -> list[Labelled]:
    """The CFPB export's rows: text is Issue + Sub-issue + narrative (when present)."""
    with Path(path).open(encoding="utf-8", newline="") as f:
        return [
            Labelled(
                key=row["Complaint ID"],
                text="\n".join(row[c] for c in CFPB_TEXT if row[c].strip()),
                product=row["Product"],
            )
            for row in csv.DictReader(f)
        ]


def held_out(key: str, percent: int = 20) -> bool:
    """A deterministic split: whether this row belongs to the held-out part."""
    return int(hashlib.sha256(key.encode()).hexdigest(), 16) % 100 < percent


def clean(text: str) -> str:
    """The text without masking placeholders, which say nothing about the product."""
    return MASKS.sub(" ", text)


def most_probable(trained: Pipeline, texts: Sequence[str]) -> list[tuple[str, float]]:
    """The most probable class of each text with its probability (one call for all)."""
    if not texts:
        return []
    probabilities = trained.predict_proba([clean(t) for t in texts])
    best = probabilities.argmax(axis=1)
    return [(str(trained.classes_[b]), round(float(row[b]), 3))
            for row, b in zip(probabilities, best, strict=True)]


def save_artefact(path: Path, payload: dict) -> None:
    """Write a model (compressed), with the format and scikit-learn version it needs to load."""
    joblib.dump({"format": FORMAT, "sklearn": sklearn.__version__, **payload}, path, compress=3)


def load_artefact(path: Path) -> dict:
    """Read what save_artefact wrote; refuses another format or scikit-learn version."""
    payload = joblib.load(path)  # our own artefact, shipped in the repository
    if payload.get("format") != FORMAT or payload.get("sklearn") != sklearn.__version__:
        raise ValueError(
            f"{path} was written for format {payload.get('format')} with scikit-learn "
            f"{payload.get('sklearn')}; retrain it with "
            "python -m services.intake.tools.train"
        )
    return payload


def text_features() -> FeatureUnion:
    """What both classifiers read of a text: TF-IDF over words (1-2) and characters (1-5,
    within word boundaries, so Chinese, which has no spaces, has features too)."""
    return FeatureUnion([
        ("words", TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True)),
        ("chars", TfidfVectorizer(
            analyzer="char_wb", ngram_range=(1, 5), min_df=2, sublinear_tf=True,
            max_features=80_000,
        )),
    ])


def pipeline() -> Pipeline:
    """The untrained pipeline."""
    # No class balancing: the CFPB renamed its credit-reporting product in August 2023, and
    # balancing makes the model guess the newer name for text that cannot tell them apart
    # (held-out accuracy 0.67 balanced, 0.91 not; see bench/README.md). Characters 1-5 rather
    # than 2-4: on narrative-only text, product accuracy 0.866 instead of 0.841.
    classifier = LogisticRegression(C=100.0, max_iter=5000)
    return Pipeline([("features", text_features()), ("classifier", classifier)])


class ProductModel:
    """Predicts the product a complaint is about, with the probability of that answer."""

    def __init__(self, trained: Pipeline, *, rows: int, languages: frozenset[str]) -> None:
        self.trained = trained
        self.rows = rows
        self.languages = languages

    @classmethod
    def train(cls, texts: Sequence[str], products: Sequence[str]) -> ProductModel:
        """Fit a new model on labelled texts."""
        trained = pipeline().fit([clean(t) for t in texts], list(products))
        return cls(trained, rows=len(texts), languages=languages_of(texts))

    @property
    def products(self) -> tuple[str, ...]:
        return tuple(self.trained.classes_)

    def predict(self, text: str) -> Prediction:
        """The most probable product."""
        return self.predictions([text])[0]

    def predictions(self, texts: Sequence[str]) -> list[Prediction]:
        """The most probable product of each text, with its probability (one call for all)."""
        return [Prediction(*best) for best in most_probable(self.trained, texts)]

    def predict_many(self, texts: Sequence[str]) -> list[str]:
        """The most probable product of each text."""
        return [str(p) for p in self.trained.predict([clean(t) for t in texts])]

    def save(self, path: Path) -> None:
        """Write the model (compressed), with the scikit-learn version it needs to load."""
        save_artefact(path, {"rows": self.rows, "languages": sorted(self.languages),
                             "pipeline": self.trained})

    @classmethod
    def load(cls, path: Path) -> ProductModel:
        """Read a model written by save; refuses another format or scikit-learn version."""
        payload = load_artefact(path)
        return cls(
            payload["pipeline"], rows=payload["rows"], languages=frozenset(payload["languages"])
        )


def languages_of(texts: Sequence[str], share: float = 0.05) -> frozenset[str]:
    """The languages of at least `share` of the texts: the ones predictions mean anything for."""
    counts = Counter(language(t) for t in texts)
    return frozenset(lang for lang, n in counts.items() if n >= share * len(texts))
