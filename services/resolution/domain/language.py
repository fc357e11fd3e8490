"""The languages resolution speaks (Simplified Chinese and English), texts in both, and the
language of each complaint as intake detected it."""

from __future__ import annotations

import uuid
from collections.abc import Mapping

from eventsourcing.domain import Aggregate, event
from pydantic import BaseModel, ConfigDict, Field

from contracts.envelope import NAMESPACE
from contracts.intake import Language

DEFAULT = Language.EN


class Labels(BaseModel):
    """One text in every language resolution speaks; a rule file missing one is refused."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    en: str = Field(min_length=1, max_length=2_000)
    zh: str = Field(min_length=1, max_length=2_000)

    def in_(self, language: Language | str | None) -> str:
        """The text in `language`, in English when the language is not one we speak."""
        return self.zh if language == Language.ZH else self.en


def labelled(**both: tuple[str, str]) -> Mapping[str, Labels]:
    """A table of texts by key, each given as (English, Chinese)."""
    return {key: Labels(en=en, zh=zh) for key, (en, zh) in both.items()}


def known(language: str | None) -> Language | None:
    """The language if resolution speaks it, else None ("und", unknown codes)."""
    try:
        return Language(language) if language else None
    except ValueError:
        return None


class ComplaintLanguage(Aggregate):
    """The language a complaint was written in: customers are answered in it."""

    @staticmethod
    def create_id(complaint_id: str) -> uuid.UUID:
        return uuid.uuid5(NAMESPACE, f"language/{complaint_id}")

    @event("Detected")
    def __init__(self, *, complaint_id: str, language: str) -> None:
        self.complaint_id = complaint_id
        self.language = language

    def redetect(self, language: str) -> None:
        """Follow a reclassification (no event if the language stayed the same)."""
        if language != self.language:
            self._changed(language=language)

    @event("Changed")
    def _changed(self, *, language: str) -> None:
        self.language = language
