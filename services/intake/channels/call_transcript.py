"""Call-centre transcripts: speaker-labelled lines -> the customer's own words as a Submission.

    Call-ID: CC-20230627-0042          headers, then a blank line
    Agent-ID: agent-113
    Caller: +86 138 0013 8000          (or Customer-ID: ...)

    [00:00:03] Agent: Thank you for calling...
    [00:00:09] Customer: My card was charged twice...
    a line without a label continues the previous speaker
"""

from __future__ import annotations

import re

from contracts.intake import Channel
from services.intake.channels._common import (
    Unreadable,
    as_text,
    dialled,
    pseudonym,
    subject_from,
)
from services.intake.domain import Customer, Submission

CUSTOMER = frozenset({"customer", "caller", "client", "客户", "顾客", "来电人"})
AGENT = frozenset({"agent", "rep", "representative", "advisor", "坐席", "客服"})
LINE = re.compile(r"^(?:\[[\d:.]+\]\s*)?(?P<speaker>[^:：\[\]]{1,30}?)\s*[:：]\s*(?P<words>.*)$")


def normalise(raw: bytes | str) -> Submission:
    """A transcript becomes a phone complaint in the customer's words, referenced by call id."""
    header_block, _, dialogue = as_text(raw, "the transcript").strip().partition("\n\n")
    headers = parse_headers(header_block)
    call_id = headers.get("call-id")
    if not call_id:
        raise Unreadable("the transcript has no Call-ID header")
    words = customer_words(dialogue)
    if not words:
        raise Unreadable("the transcript has no customer lines")
    text = "\n".join(words)
    agent = headers.get("agent-id")
    return Submission(
        channel=Channel.PHONE,
        customer=caller(headers),
        subject=headers.get("subject") or subject_from(text),
        text=text,
        external_reference=call_id,
        channel_detail=f"agent:{agent}" if agent else None,
    )


def parse_headers(block: str) -> dict[str, str]:
    headers = {}
    for line in block.splitlines():
        name, colon, value = line.partition(":")
        if not colon or not name.strip():
            raise Unreadable(f"the transcript header line {line!r} is not 'Name: value'")
        headers[name.strip().lower()] = value.strip()
    return headers


def caller(headers: dict[str, str]) -> Customer:
    number = dialled(headers.get("caller", ""))
    customer_id = headers.get("customer-id") or (pseudonym("phone", number) if number else None)
    if not customer_id:
        raise Unreadable("the transcript names no Customer-ID or Caller number")
    return Customer(
        id=customer_id, name=headers.get("customer-name") or None, contact=number or None
    )


def customer_words(dialogue: str) -> list[str]:
    """What the customer said, one utterance per line, agents' lines left out."""
    utterances: list[tuple[str, str]] = []
    for line in dialogue.splitlines():
        if not line.strip():
            continue
        match = LINE.match(line.strip())
        speaker = match["speaker"].strip().lower() if match else ""
        if speaker in CUSTOMER or speaker in AGENT:
            utterances.append((speaker, match["words"].strip()))
        elif utterances:
            role, words = utterances[-1]
            utterances[-1] = (role, f"{words} {line.strip()}")
        else:
            raise Unreadable(f"the transcript line {line.strip()!r} has no known speaker")
    return [words for role, words in utterances if role in CUSTOMER and words]
