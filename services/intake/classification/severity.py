"""Severity P1/P2/P3 from declarative rules: base rules set a level, raise rules lift it."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from contracts.intake import CustomerTier, Severity
from services.intake.classification.rulefile import RuleFileError, load_model
from services.intake.classification.taxonomy import CategoryId, KeywordSet
from services.intake.classification.text import PhraseIndex

RuleId = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)]
LEVELS = (Severity.P1, Severity.P2, Severity.P3)  # most severe first


class Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class LevelRule(Strict):
    """Fires when the category is one of `categories` or any of `keywords` occurs."""

    id: RuleId
    level: Severity
    categories: list[CategoryId] = []
    keywords: KeywordSet = KeywordSet()

    @model_validator(mode="after")
    def has_a_condition(self) -> LevelRule:
        if not self.categories and not (self.keywords.en or self.keywords.zh):
            raise ValueError(f"rule {self.id!r} needs categories or keywords")
        return self


class RaiseRule(Strict):
    """Lifts the level by one when its one condition holds."""

    id: RuleId
    crisis_signal: bool = False
    sentiment_below: float | None = Field(None, ge=-1, le=1)
    tiers: list[CustomerTier] = []

    @model_validator(mode="after")
    def has_one_condition(self) -> RaiseRule:
        conditions = [self.crisis_signal, self.sentiment_below is not None, bool(self.tiers)]
        if sum(conditions) != 1:
            raise ValueError(
                f"raise {self.id!r} needs exactly one of crisis_signal, sentiment_below, tiers"
            )
        return self


class SeverityFile(Strict):
    version: int = Field(1, ge=1, le=1)
    default: Severity
    rules: list[LevelRule]
    raises: list[RaiseRule] = []
    crisis_signals: KeywordSet

    @field_validator("rules", "raises")
    @classmethod
    def unique_ids(cls, rules: list[LevelRule] | list[RaiseRule]) -> list:
        ids = [r.id for r in rules]
        twice = sorted({i for i in ids if ids.count(i) > 1})
        if twice:
            raise ValueError(f"rule ids must be unique, repeated: {twice}")
        return rules


@dataclass(frozen=True)
class Facts:
    """What severity is judged on; no free text, only what classification found."""

    category: str
    words: list[str]
    sentiment: float
    tier: CustomerTier


@dataclass(frozen=True)
class Assessment:
    severity: Severity
    rules_fired: tuple[str, ...]
    crisis_signals: tuple[str, ...]


class SeverityRules:
    """The rules of one severity file, ready to assess."""

    def __init__(self, spec: SeverityFile) -> None:
        self.spec = spec
        self._keywords = [PhraseIndex(r.keywords.phrases()) for r in spec.rules]
        self._crisis = PhraseIndex(spec.crisis_signals.phrases())

    def check_categories(self, known: Collection[str]) -> None:
        """Raise RuleFileError if a rule names a category the taxonomy does not have."""
        unknown = sorted({c for r in self.spec.rules for c in r.categories} - set(known))
        if unknown:
            raise RuleFileError(  # no one line: the two files disagree
                "", None, f"severity rules name categories not in the taxonomy: {unknown}")

    def assess(self, facts: Facts) -> Assessment:
        """The most severe level any rule sets (else the default), lifted once per raise."""
        fired = [
            rule for rule, keywords in zip(self.spec.rules, self._keywords, strict=True)
            if facts.category in rule.categories or keywords.found(facts.words)
        ]
        level = min((LEVELS.index(r.level) for r in fired), default=LEVELS.index(self.spec.default))
        crisis = tuple(sorted(p.term for p in self._crisis.found(facts.words)))
        raised = [r for r in self.spec.raises if _holds(r, facts, crisis)]
        level = max(0, level - len(raised))
        reasons = (*(f"severity:{r.id}" for r in fired), *(f"raise:{r.id}" for r in raised))
        return Assessment(LEVELS[level], reasons, crisis)


def _holds(rule: RaiseRule, facts: Facts, crisis: tuple[str, ...]) -> bool:
    if rule.crisis_signal:
        return bool(crisis)
    if rule.sentiment_below is not None:
        return facts.sentiment < rule.sentiment_below
    return facts.tier in rule.tiers


def load_severity(path: Path) -> SeverityRules:
    """Load and validate a severity rule file (RuleFileError names the line and field)."""
    return SeverityRules(load_model(Path(path), SeverityFile))
