"""The category taxonomy: categories, their keyword rules (en/zh) and the products they cover."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, PositiveFloat, field_validator, model_validator

from services.intake.classification.rulefile import load_model
from services.intake.classification.text import CJK, Phrase, PhraseIndex

Term = Annotated[str, Field(min_length=1, max_length=80)]
CategoryId = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)]


class Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class KeywordSet(Strict):
    """Terms per language, each `term` (weight 1) or `term: weight`; `refund*` is a prefix."""

    en: dict[Term, PositiveFloat] = {}
    zh: dict[Term, PositiveFloat] = {}

    @field_validator("en", "zh", mode="before")
    @classmethod
    def weigh_lists(cls, value: object) -> object:
        return dict.fromkeys(value, 1.0) if isinstance(value, list) else value

    @field_validator("en")
    @classmethod
    def english(cls, value: dict[str, float]) -> dict[str, float]:
        chinese = [t for t in value if CJK.search(t)]
        if chinese:
            raise ValueError(f"Chinese terms belong under zh: {chinese}")
        return value

    @field_validator("zh")
    @classmethod
    def chinese(cls, value: dict[str, float]) -> dict[str, float]:
        latin = [t for t in value if not CJK.search(t) and not t.isdigit()]
        if latin:
            raise ValueError(f"terms without Chinese characters belong under en: {latin}")
        return value

    def phrases(self) -> Iterator[Phrase]:
        for terms in (self.en, self.zh):
            for term, weight in terms.items():
                yield Phrase.of(term, weight)


# StrEnum("Name", "A B_C") declares Name.A = "a", Name.B_C = "b_c": values are the
# member names in lower case.
Sector = StrEnum("Sector", "FINANCE RETAIL MEDICAL PUBLIC_SERVICE")


class Category(Strict):
    id: CategoryId
    name: str = Field(min_length=1)
    name_zh: str = Field("", description="The name in Chinese, for Chinese pages (e.g. console)")
    sectors: list[Sector] = Field(min_length=1)
    keywords: KeywordSet = KeywordSet()
    products: list[str] = Field([], description="Products (CFPB names) this category covers")


class TaxonomyFile(Strict):
    version: Literal[1]
    min_rule_weight: PositiveFloat = Field(
        description="Keyword weight a category needs for the rules to decide, not the model"
    )
    min_model_confidence: float = Field(
        0.5, ge=0, le=1, description="Below this the model's product guess decides nothing"
    )
    triage_at: float = Field(
        0.0, ge=0, le=1,
        description="Calibrated probability the category model needs to decide; below it, "
        "keywords or the fallback (the triage queue) do",
    )
    keywords_first: list[CategoryId] = Field(
        [], description="Categories whose keywords, when they weigh min_rule_weight, decide "
        "before the model: ones the training data cannot teach (the CFPB files card fraud "
        "under the card product) and whose severity must not hang on a guess",
    )
    fallback: CategoryId = Field(description="The category when nothing else decides")
    categories: list[Category] = Field(min_length=1)

    @field_validator("categories")
    @classmethod
    def unique(cls, categories: list[Category]) -> list[Category]:
        ids = [c.id for c in categories]
        twice = sorted({i for i in ids if ids.count(i) > 1})
        if twice:
            raise ValueError(f"category ids must be unique, repeated: {twice}")
        products = [p for c in categories for p in c.products]
        twice = sorted({p for p in products if products.count(p) > 1})
        if twice:
            raise ValueError(f"a product maps to one category, repeated: {twice}")
        terms = [t.lower() for c in categories for ts in (c.keywords.en, c.keywords.zh) for t in ts]
        twice = sorted({t for t in terms if terms.count(t) > 1})
        if twice:
            raise ValueError(f"a keyword belongs to one category, repeated: {twice}")
        return categories

    @model_validator(mode="after")
    def fallback_is_a_category(self) -> TaxonomyFile:
        if self.fallback not in {c.id for c in self.categories}:
            raise ValueError(f"fallback {self.fallback!r} is not one of the categories")
        return self


@dataclass(frozen=True)
class KeywordMatch:
    """The keywords of one category found in a text, and their summed weight."""

    category: str
    terms: tuple[str, ...]
    weight: float


class Taxonomy:
    """Categories with their keyword rules, ready to match tokenised text."""

    def __init__(self, spec: TaxonomyFile) -> None:
        self.spec = spec
        self.ids = tuple(c.id for c in spec.categories)
        self._owner: dict[Phrase, str] = {}
        for category in spec.categories:
            for phrase in category.keywords.phrases():
                self._owner.setdefault(phrase, category.id)
        self._index = PhraseIndex(self._owner)
        self._by_product = {p: c.id for c in spec.categories for p in c.products}

    @property
    def fallback(self) -> str:
        return self.spec.fallback

    @property
    def min_rule_weight(self) -> float:
        return self.spec.min_rule_weight

    @property
    def min_model_confidence(self) -> float:
        return self.spec.min_model_confidence

    @property
    def triage_at(self) -> float:
        return self.spec.triage_at

    @property
    def keywords_first(self) -> frozenset[str]:
        return frozenset(self.spec.keywords_first)

    def match(self, words: list[str]) -> list[KeywordMatch]:
        """Categories whose keywords occur, heaviest first (ties in taxonomy order)."""
        found: dict[str, list[Phrase]] = {}
        for phrase in self._index.found(words):
            found.setdefault(self._owner[phrase], []).append(phrase)
        matches = [
            KeywordMatch(c, tuple(sorted(p.term for p in ps)), sum(p.weight for p in ps))
            for c, ps in found.items()
        ]
        return sorted(matches, key=lambda m: (-m.weight, self.ids.index(m.category)))

    def category_for_product(self, product: str | None) -> str | None:
        """The category covering a product, if the taxonomy maps it."""
        return self._by_product.get(product) if product else None


def load_taxonomy(path: Path) -> Taxonomy:
    """Load and validate a taxonomy file (RuleFileError names the line and field)."""
    return Taxonomy(load_model(Path(path), TaxonomyFile))
