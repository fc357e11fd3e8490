"""The category classifier: the taxonomy category of a text in English or Chinese.

One linear model for both languages: TF-IDF over words (1-2) and characters (1-5, within
word boundaries; single Chinese characters carry meaning), a class-balanced linear SVM, and a
sigmoid calibration fitted on held-out folds, so the probability of an answer means what it
says and a threshold on it can send the uncertain ones to triage.

Labels come from three sources (services/intake/tools/train.py): CFPB rows through
the taxonomy's product mapping, the written seed examples (seed.csv, the categories the CFPB
has no products for and the Chinese text it has none of), and agents' corrections.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sklearn.calibration import CalibratedClassifierCV
from sklearn.pipeline import Pipeline
from sklearn.svm import LinearSVC

from services.intake.classification.model import (
    clean,
    load_artefact,
    most_probable,
    save_artefact,
    text_features,
)

SEED = Path(__file__).resolve().parent / "seed.csv"


@dataclass(frozen=True)
class Example:
    """A text and the category it belongs to."""

    text: str
    category: str


@dataclass(frozen=True)
class CategoryPrediction:
    category: str
    probability: float


def examples_csv(path: Path) -> list[Example]:
    """Examples from a CSV with `category` and `text` columns (seed.csv, corrections)."""
    with Path(path).open(encoding="utf-8", newline="") as f:
        return [Example(row["text"], row["category"]) for row in csv.DictReader(f)]


def pipeline() -> Pipeline:
    """The untrained pipeline."""
    # Balanced: the CFPB sample is 80% credit reporting, and every category counts alike.
    # ensemble=False: one SVM refitted on all rows, calibrated on the folds' predictions,
    # so predicting costs one model, not five.
    classifier = CalibratedClassifierCV(
        LinearSVC(C=1.0, class_weight="balanced", random_state=0),
        cv=5, method="sigmoid", ensemble=False,
    )
    return Pipeline([("features", text_features()), ("classifier", classifier)])


class CategoryModel:
    """Predicts a complaint's taxonomy category, with the calibrated probability of it."""

    def __init__(self, trained: Pipeline, *, rows: int) -> None:
        self.trained = trained
        self.rows = rows

    @classmethod
    def train(cls, examples: Sequence[Example]) -> CategoryModel:
        """Fit a new model on labelled examples."""
        trained = pipeline().fit(
            [clean(e.text) for e in examples], [e.category for e in examples]
        )
        return cls(trained, rows=len(examples))

    @property
    def categories(self) -> tuple[str, ...]:
        return tuple(str(c) for c in self.trained.classes_)

    def predict(self, text: str) -> CategoryPrediction:
        """The most probable category."""
        return self.predict_many([text])[0]

    def predict_many(self, texts: Sequence[str]) -> list[CategoryPrediction]:
        """The most probable category of each text (one call: the fast way for a batch)."""
        return [CategoryPrediction(*best) for best in most_probable(self.trained, texts)]

    def save(self, path: Path) -> None:
        """Write the model (compressed), with the scikit-learn version it needs to load."""
        save_artefact(path, {"rows": self.rows, "pipeline": self.trained})

    @classmethod
    def load(cls, path: Path) -> CategoryModel:
        """Read a model written by save; refuses another format or scikit-learn version."""
        payload = load_artefact(path)
        return cls(payload["pipeline"], rows=payload["rows"])
