"""Chinese word segmentation (jieba) for the services that split Chinese text into words."""

from __future__ import annotations

import logging
import threading

import jieba


class LazyTokenizer:
    """A jieba tokenizer of its own, built on first use (it loads a dictionary of 350,000
    words); `lock` guards it where its holder changes it (e.g. teaches it words)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self._tokenizer: jieba.Tokenizer | None = None

    def __call__(self) -> jieba.Tokenizer:
        with self.lock:
            if self._tokenizer is None:
                jieba.setLogLevel(logging.WARNING)
                self._tokenizer = jieba.Tokenizer()
            return self._tokenizer
