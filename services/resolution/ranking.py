"""Ranks past resolutions by similarity: TF-IDF over jieba (Chinese) and word (English) tokens,
cosine similarity. Pure: no I/O besides jieba reading its bundled dictionary once."""

from __future__ import annotations

import logging
import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import jieba

jieba.setLogLevel(logging.WARNING)

CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]+")
RUNS = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]+|[a-z0-9]+")
_EN_STOP = """a an and are as at be been but by did do does for from had has have he her his i if
in into is it its me my no not of on or our she so than that the their them then there they this
to too us was we were what when which who why will with would you your please"""
_ZH_STOP = """的 了 是 我 你 他 她 在 和 也 就 都 而 及 与 着 或 一个 没有 我们 他们
这 那 被 把 对 请 吗 呢 啊 吧 又 很 还 但 给"""
EN_STOP = frozenset(_EN_STOP.split())
ZH_STOP = frozenset(_ZH_STOP.split())
SUFFIXES = ("ingly", "edly", "ing", "ies", "ed", "es", "ly", "s")


def stem(word: str) -> str:
    """A light English stemmer: charged, charges, charging -> charg."""
    for suffix in SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)] + ("y" if suffix == "ies" else "")
            break
    return word[:-1] if word.endswith("e") and len(word) > 3 else word


def tokenize(text: str) -> list[str]:
    """Chinese runs cut by jieba, English words stemmed; stop words and punctuation dropped."""
    tokens: list[str] = []
    for run in RUNS.findall(text.lower()):
        if CJK.fullmatch(run):
            tokens += [t for t in jieba.lcut(run) if t.strip() and t not in ZH_STOP]
        elif run not in EN_STOP and (len(run) > 1 or run.isdigit()):
            tokens.append(stem(run))
    return tokens


Vector = Mapping[str, float]


def _normalised(weights: dict[str, float]) -> dict[str, float]:
    norm = math.sqrt(sum(w * w for w in weights.values()))
    return {t: w / norm for t, w in weights.items()} if norm else {}


@dataclass
class Corpus:
    """Documents by key; inverse document frequencies are recomputed only after a change."""

    _tokens: dict[str, Counter[str]] = field(default_factory=dict)
    _idf: dict[str, float] | None = None
    _vectors: dict[str, dict[str, float]] = field(default_factory=dict)

    def put(self, key: str, text: str) -> None:
        self._tokens[key] = Counter(tokenize(text))
        self._idf = None

    def remove(self, key: str) -> None:
        if self._tokens.pop(key, None) is not None:
            self._idf = None

    def __contains__(self, key: str) -> bool:
        return key in self._tokens

    def __len__(self) -> int:
        return len(self._tokens)

    def rank(self, text: str, *, exclude: Iterable[str] = ()) -> list[tuple[str, float]]:
        """Keys by cosine similarity to the text, best first; unrelated ones left out."""
        self._refresh()
        query = self._vector(Counter(tokenize(text)))
        skip = set(exclude)
        scores = [
            (key, sum(w * vector.get(t, 0.0) for t, w in query.items()))
            for key, vector in self._vectors.items() if key not in skip
        ]
        return sorted(((k, s) for k, s in scores if s > 0), key=lambda ks: (-ks[1], ks[0]))

    def _refresh(self) -> None:
        if self._idf is not None:
            return
        n = len(self._tokens)
        df = Counter(t for counts in self._tokens.values() for t in counts)
        # Smoothed as scikit-learn does: a term in every document still weighs a little.
        self._idf = {t: math.log((1 + n) / (1 + d)) + 1 for t, d in df.items()}
        self._vectors = {key: self._vector(counts) for key, counts in self._tokens.items()}

    def _vector(self, counts: Counter[str]) -> dict[str, float]:
        idf = self._idf or {}
        return _normalised({
            t: (1 + math.log(c)) * idf[t] for t, c in counts.items() if t in idf
        })
