"""Text that breaks services which trust `str`, spliced into schemathesis' requests by the fuzz
suites (issue #21, point 4).

Schemathesis never draws a lone surrogate (it cannot be encoded), rarely a Unicode
non-character, and keeps strings within a field's declared length in positive cases. These
strategies put one such string into a generated request: lone surrogates only into JSON bodies,
where the `\\ud800` escape carries them; non-characters and overlong strings anywhere.
"""

from __future__ import annotations

import string
from typing import Any

from hypothesis import strategies as st

LONE_SURROGATES = ["\ud800", "\udbff", "\udc00", "\udfff"]
NONCHARACTERS = ["\ufdd0", "\ufdef", "\ufffe", "\uffff", "\U0001fffe", "\U0010ffff"]
OVERLONG = [129, 1_025, 10_001, 100_001]  # just past the maximum lengths the APIs declare


def bad_text(*, in_url: bool) -> st.SearchStrategy[str]:
    """A string with a lone surrogate (not in a URL) or non-character inside, or overlong.

    In a URL the text around it is plain, so that the request still names the same route.
    """
    odd = st.sampled_from(NONCHARACTERS if in_url else [*LONE_SURROGATES, *NONCHARACTERS])
    plain = string.ascii_letters + string.digits
    around = st.text(plain, max_size=8) if in_url else st.text(max_size=8)
    spliced = st.builds("".join, st.tuples(around, odd, around))
    overlong = st.builds(str.__mul__, st.sampled_from("x王"), st.sampled_from(OVERLONG))
    return st.one_of(spliced, overlong)


def string_slots(holder: dict[str, Any]) -> list[tuple[dict | list, Any]]:
    """Every (container, key) under holder whose value is a string."""
    slots, pending = [], [holder]
    while pending:
        container = pending.pop()
        keys = container.keys() if isinstance(container, dict) else range(len(container))
        for key in keys:
            value = container[key]
            if isinstance(value, str):
                slots.append((container, key))
            elif isinstance(value, dict | list):
                pending.append(value)
    return slots


@st.composite
def with_bad_text(draw: st.DrawFn, cases: st.SearchStrategy) -> Any:
    """A case of `cases` with one of its strings (JSON body, query or path) made bad text."""
    case = draw(cases)
    parts = {"query": dict(case.query or {}), "path_parameters": dict(case.path_parameters or {})}
    if "json" in (case.media_type or ""):  # a raw body goes out UTF-8 encoded: left alone
        parts["body"] = {"body": case.body}
    slots = [(name, *slot) for name, holder in parts.items() for slot in string_slots(holder)]
    if not slots:
        return case
    name, container, key = draw(st.sampled_from(slots))
    container[key] = draw(bad_text(in_url=name != "body"))
    # Set past schemathesis' change tracking: re-validating the case against the schema would
    # encode the lone surrogate. The case keeps the label it was generated with.
    object.__setattr__(case, name, parts[name]["body"] if name == "body" else parts[name])
    return case
