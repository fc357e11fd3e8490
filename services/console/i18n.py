"""The console's texts in Simplified Chinese and English, and which one a viewer reads."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from pathlib import Path

import yaml

from contracts.intake import Language
from runtime.language import negotiate

MESSAGES = Path(__file__).with_name("messages.yaml")


@cache
def catalog() -> dict[str, dict[str, str]]:
    """Every key with its text per language."""
    return yaml.safe_load(MESSAGES.read_text(encoding="utf-8"))


def language_of(chosen: str | None, accept_language: str | None) -> Language:
    """The language the viewer chose (cookie), else the one their browser prefers."""
    if chosen in {language.value for language in Language}:
        return Language(chosen)
    return negotiate(accept_language)


def translator(language: Language) -> Callable[[str], str]:
    """t(key): the key's text in language (the key itself when unknown, so it shows)."""
    texts = catalog()

    def t(key: str) -> str:
        return texts.get(key, {}).get(language.value, key)

    return t
