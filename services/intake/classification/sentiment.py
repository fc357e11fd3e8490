"""A small lexicon-based sentiment scorer for English and Chinese; no model, just word lists."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, PositiveFloat

from services.intake.classification.rulefile import load_model
from services.intake.classification.text import teach, tokens

Word = Annotated[str, Field(min_length=1, max_length=40)]


class Lexicon(BaseModel):
    """Words of one language: polar words with strengths, negators and intensifiers."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    negative: dict[Word, PositiveFloat]
    positive: dict[Word, PositiveFloat]
    negators: list[Word] = []
    intensifiers: dict[Word, PositiveFloat] = {}


class SentimentFile(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    version: int = Field(1, ge=1, le=1)
    negation_window: int = Field(3, ge=0, le=5, description="Tokens a negator reaches back")
    negation_factor: float = Field(-0.7, lt=0, ge=-1, description="A negated word's sign flip")
    smoothing: PositiveFloat = Field(
        description="alpha in score = s / sqrt(s^2 + alpha): larger is slower to saturate"
    )
    en: Lexicon
    zh: Lexicon


class Sentiment:
    """Scores text from -1 (very negative) to 1 (very positive)."""

    def __init__(self, spec: SentimentFile) -> None:
        self.spec = spec
        self.polar: dict[str, float] = {}
        self.negators: set[str] = set()
        self.intensifiers: dict[str, float] = {}
        for lexicon in (spec.en, spec.zh):
            self.polar.update({w.lower(): -v for w, v in lexicon.negative.items()})
            self.polar.update({w.lower(): v for w, v in lexicon.positive.items()})
            self.negators.update(w.lower() for w in lexicon.negators)
            self.intensifiers.update({w.lower(): v for w, v in lexicon.intensifiers.items()})
        teach([*self.polar, *self.negators, *self.intensifiers])

    def score(self, text: str) -> float:
        """Sum of polar words (flipped when negated, scaled when intensified), squashed."""
        return self.score_tokens(tokens(text))

    def score_tokens(self, words: list[str]) -> float:
        """The score of text already tokenised with text.tokens."""
        total = 0.0
        for i, word in enumerate(words):
            value = self.polar.get(word)
            if value is None:
                continue
            if i and words[i - 1] in self.intensifiers:
                value *= self.intensifiers[words[i - 1]]
            reach = words[max(0, i - self.spec.negation_window) : i]
            if any(w in self.negators for w in reach):
                value *= self.spec.negation_factor
            total += value
        return round(total / math.sqrt(total * total + self.spec.smoothing), 3)


def load_sentiment(path: Path) -> Sentiment:
    """Load and validate a sentiment lexicon file (RuleFileError names the line and field)."""
    return Sentiment(load_model(Path(path), SentimentFile))
