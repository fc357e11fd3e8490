"""Generated complaint narratives of any length, in Chinese and in English, each sentence
numbered so that no two stretches of a long text are the same."""

from __future__ import annotations

from itertools import count


def chinese(length: int) -> str:
    """A Chinese narrative of exactly `length` characters."""
    return _narrative(length, "第{n}次联系客服：我在贵店购买的洗衣机又漏水了，"
                              "维修师傅没有按约上门，退款也一直没有到账，我已经请了{n}天假在家等。")


def english(length: int) -> str:
    """An English narrative of exactly `length` characters."""
    return _narrative(length, "Call {n}: the washing machine leaked again, the technician missed "
                              "the visit and the refund has not arrived after {n} days. ")


def _narrative(length: int, sentence: str) -> str:
    parts, size = [], 0
    for n in count(1):
        if size >= length:
            break
        parts.append(sentence.format(n=n))
        size += len(parts[-1])
    return "".join(parts)[:length]
