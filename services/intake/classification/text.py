"""Language detection, tokens (jieba for Chinese, lower-cased words for English), phrases."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from runtime.segmenter import LazyTokenizer

CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
LATIN = re.compile(r"[A-Za-z]")
WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "`": "'"})

PREFIX_KEY = 2
# The one tokenizer of intake's classification, which rule files teach their keywords.
segmenter = LazyTokenizer()
_known: set[str] = set()


def language(text: str) -> str:
    """"zh" when Chinese characters carry the text (one is worth about four Latin letters)."""
    cjk = len(CJK.findall(text))
    return "zh" if cjk >= 2 and cjk * 4 >= len(LATIN.findall(text)) else "en"


def tokens(text: str) -> list[str]:
    """Lower-cased word tokens; runs of Chinese characters are segmented with jieba."""
    text = text.lower().translate(APOSTROPHES)
    if not CJK.search(text):
        return WORD.findall(text)
    out: list[str] = []
    for piece in segmenter().lcut(text):
        piece = piece.strip()
        if CJK.search(piece):
            out.append(piece)
        else:
            out.extend(WORD.findall(piece))
    return out


def teach(words: Iterable[str]) -> None:
    """Make jieba keep these Chinese words whole, so rule keywords match as single tokens."""
    new = [w for w in words if CJK.search(w) and w not in _known]
    if not new:
        return
    tokenizer = segmenter()
    with segmenter.lock:
        for word in new:
            tokenizer.add_word(word, freq=100_000)
            _known.add(word)


@dataclass(frozen=True)
class Phrase:
    """A keyword as a token sequence; a pattern ending in `*` matches any token it begins."""

    term: str
    parts: tuple[str, ...]
    weight: float = 1.0

    @classmethod
    def of(cls, term: str, weight: float = 1.0) -> Phrase:
        teach([term])
        stem = term.rstrip("*")
        parts = tuple(tokens(stem)) or (stem.lower(),)
        if term.endswith("*"):
            parts = (*parts[:-1], parts[-1] + "*")
        return cls(term, parts, weight)

    def occurs_at(self, words: list[str], start: int) -> bool:
        if start + len(self.parts) > len(words):
            return False
        end = start + len(self.parts)  # not words[start:]: a copy of the rest per call
        return all(_fits(p, w) for p, w in zip(self.parts, words[start:end], strict=True))


def _fits(pattern: str, word: str) -> bool:
    return word.startswith(pattern[:-1]) if pattern.endswith("*") else word == pattern


class PhraseIndex:
    """Finds which of many phrases occur in a token list, indexed by their first token."""

    def __init__(self, phrases: Iterable[Phrase]) -> None:
        self.exact: dict[str, list[Phrase]] = {}
        # Prefixed phrases by the first PREFIX_KEY characters of their stem, so a word is
        # tried against the few that can fit it, not against every one (that cost more than
        # the models on a long complaint).
        self.prefixed: dict[str, list[Phrase]] = {}
        for phrase in phrases:
            first = phrase.parts[0]
            if first.endswith("*"):
                self.prefixed.setdefault(first[:-1][:PREFIX_KEY], []).append(phrase)
            else:
                self.exact.setdefault(first, []).append(phrase)
        self.short_keys = sorted({k for k in self.prefixed if len(k) < PREFIX_KEY})

    def found(self, words: list[str]) -> set[Phrase]:
        """The phrases that occur at least once."""
        hits: set[Phrase] = set()
        for i, word in enumerate(words):
            candidates = [*self.exact.get(word, ()), *self.prefixed.get(word[:PREFIX_KEY], ())]
            for key in self.short_keys:
                if word.startswith(key):
                    candidates.extend(self.prefixed[key])
            for phrase in candidates:
                if phrase not in hits and phrase.occurs_at(words, i):
                    hits.add(phrase)
        return hits
