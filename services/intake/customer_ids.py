"""Customer ids in one spelling: what the filing quota, duplicate detection, erasure and
everything published (analytics' recurrence) count a customer by.

A customer id is compared as NFKC text (full-width `ｑ` is `q`), without surrounding spaces,
runs of inner spaces as one, and in one case unless its source says case matters. Invisible
and control characters (Unicode categories Cc, Cf, Cs, Co, Cn, Zl, Zp, and the default-ignorable
fillers that render as nothing) are refused, not removed: an id that carries one was not typed
by a person, and silently dropping it would hide that.

The case policy is declared per source, the part of the id before its first `:` (the channel
normalisers name it: `wechat:`, `email:`, `phone:`, `cfpb:`, a platform's name); an id without
one follows the default. Case-insensitive (casefold): e-mail and phone pseudonyms, account and
loyalty numbers, platforms' user ids, everything not listed. Case-sensitive: the sources in
CASE_SENSITIVE_SOURCES, whose ids are opaque strings where case carries information (a WeChat
openid is base64-like: `oAbC` and `oabc` are two followers). The source name itself is always
compared casefolded.
"""

from __future__ import annotations

import re
import unicodedata

MAX_LENGTH = 128
CASE_SENSITIVE_SOURCES = frozenset({"wechat"})
INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
# Default_Ignorable_Code_Point characters of other categories: they render as nothing.
INVISIBLE_FILLERS = frozenset(
    {0x034F, 0x115F, 0x1160, 0x17B4, 0x17B5, 0x2800, 0x3164, 0xFFA0}
    | set(range(0x180B, 0x1810)) | set(range(0xFE00, 0xFE10)) | set(range(0xE0100, 0xE01F0))
)
_SPACES = re.compile(r"\s+")


def normalise_customer_id(raw: str) -> str:
    """The one spelling of a customer id; ValueError (naming the character) if it is not one."""
    text = unicodedata.normalize("NFKC", raw).strip()
    for char in text:
        if unicodedata.category(char) in INVISIBLE_CATEGORIES or ord(char) in INVISIBLE_FILLERS:
            raise ValueError(
                f"must not contain invisible or control characters (U+{ord(char):04X})")
    text = _SPACES.sub(" ", text)
    if not text:
        raise ValueError("must not be blank")
    source, colon, rest = text.partition(":")
    if colon and source.casefold() in CASE_SENSITIVE_SOURCES:
        text = f"{source.casefold()}:{rest}"
    else:
        text = unicodedata.normalize("NFKC", text.casefold())  # casefold may undo NFKC
    if len(text) > MAX_LENGTH:
        raise ValueError(f"must be at most {MAX_LENGTH} characters once normalised")
    return text
