"""Which of the platform's languages a person reads: Simplified Chinese or English."""

from __future__ import annotations

from contracts.intake import Language

DEFAULT = Language.EN


def negotiate(accept_language: str | None) -> Language:
    """The language an `Accept-Language` header prefers among ours (zh, zh-CN, en-GB, q-values);
    English when it names none of them."""
    ranked: list[tuple[float, int, Language]] = []
    for position, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        primary = tag.strip().split("-")[0].lower()
        if quality > 0 and primary in {language.value for language in Language}:
            ranked.append((-quality, position, Language(primary)))
    return min(ranked)[2] if ranked else DEFAULT
