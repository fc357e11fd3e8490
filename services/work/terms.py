"""What search can find a complaint by, without keeping what the customer wrote: each word of
the subject and text (Chinese segmented by jieba, English lower-cased) and each contact point
becomes a keyed digest (HMAC-SHA256 under the service's search key, per tenant). A query is
digested the same way and matched exactly; the projection never holds the words themselves."""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Iterable

from runtime.segmenter import LazyTokenizer

CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
WORD = re.compile(r"[a-z0-9]+")
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
MAX_WORDS = 2000  # a complaint of a million characters is found by its first 2,000 words

_jieba = LazyTokenizer()


def words(text: str) -> list[str]:
    """Distinct search words in order: English words, and Chinese words and their parts
    (jieba's search mode, so 退款 finds 申请退款)."""
    found: dict[str, None] = {}
    lowered = text.lower()
    pieces = _jieba().cut_for_search(lowered) if CJK.search(lowered) else [lowered]
    for piece in pieces:
        if CJK.search(piece):
            found.setdefault(piece.strip(), None)
        else:
            for word in WORD.findall(piece):
                found.setdefault(word, None)
        if len(found) >= MAX_WORDS:
            break
    return [word for word in found if word]


def contact_point(value: str) -> tuple[str, str] | None:
    """("email", address) or ("phone", digits) of a contact as typed, None if it is neither."""
    value = value.strip()
    if EMAIL.fullmatch(value):
        return "email", value.lower()
    digits = re.sub(r"\D", "", value)
    return ("phone", digits) if len(digits) >= 5 else None


def digest(key: bytes, tenant: str, kind: str, value: str) -> str:
    """The keyed digest search matches on: 32 hex characters."""
    message = f"{tenant}\x1f{kind}\x1f{value}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:32]


def document_keys(key: bytes, tenant: str, *, texts: Iterable[str],
                  contact: str | None) -> set[str]:
    """Every digest a complaint is found by: its words and its contact point."""
    keys = {digest(key, tenant, "word", word) for text in texts for word in words(text)}
    point = contact_point(contact) if contact else None
    if point is not None:
        keys.add(digest(key, tenant, *point))
    return keys


def query_keys(key: bytes, tenant: str, text: str) -> list[str]:
    """The digests every one of which a complaint must have to match a full-text query."""
    return [digest(key, tenant, "word", word) for word in words(text)]


