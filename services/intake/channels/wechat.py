"""WeChat: the official account's XML push message -> Submission.

    <xml><ToUserName>gh_...</ToUserName><FromUserName>o...</FromUserName>
    <CreateTime>1687852961</CreateTime><MsgType>text</MsgType><Content>...</Content>
    <MsgId>24163479920396742</MsgId></xml>
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ElementTree

from contracts.intake import Channel
from services.intake.channels._common import Unreadable, as_text, subject_from
from services.intake.domain import Customer, Submission
from services.intake.identity import ContactKind, Verification, VerifiedContact

# Entities are how XML bombs and external-entity reads work; WeChat never sends a DTD.
DECLARATIONS = re.compile(r"<!(DOCTYPE|ENTITY)", re.IGNORECASE)
REQUIRED = ("ToUserName", "FromUserName", "CreateTime", "MsgType", "MsgId")


def normalise(raw: bytes | str) -> Submission:
    """A text (or recognised voice) message from a follower becomes a complaint. The sender's
    openid is verified: WeChat signs the push, and the adapter forwards only pushes whose
    signature it checked (intake honours verifications from channel adapters only)."""
    fields = parse(as_text(raw, "the WeChat message"))
    text = message_text(fields)
    openid = fields["FromUserName"]
    return Submission(
        channel=Channel.WECHAT,
        customer=Customer(id=f"wechat:{openid}"),
        verified_contacts=(VerifiedContact(
            kind=ContactKind.WECHAT, verified_by=Verification.OPENID, value=openid),),
        subject=subject_from(text),
        text=text,
        external_reference=fields["MsgId"],
        channel_detail=fields["ToUserName"],
    )


def parse(xml: str) -> dict[str, str]:
    """The message's fields by tag name; refuses DTDs, bad XML and missing fields."""
    if DECLARATIONS.search(xml):
        raise Unreadable("the WeChat message declares a DTD or entities; refused")
    try:
        root = ElementTree.fromstring(xml)
    except ElementTree.ParseError as error:
        raise Unreadable(f"the WeChat message is not well-formed XML: {error}") from error
    if root.tag != "xml":
        raise Unreadable(f"the WeChat message's root is <{root.tag}>, not <xml>")
    fields = {child.tag: (child.text or "").strip() for child in root}
    if "Encrypt" in fields and "MsgType" not in fields:
        raise Unreadable("the WeChat message is encrypted: the adapter must decrypt it first")
    missing = [name for name in REQUIRED if not fields.get(name)]
    if missing:
        raise Unreadable(f"the WeChat message lacks {', '.join(missing)}")
    return fields


def message_text(fields: dict[str, str]) -> str:
    """The customer's words: a text message's Content, or a voice message's recognition."""
    kind = fields["MsgType"]
    text = fields.get("Content") if kind == "text" else fields.get("Recognition")
    if kind not in ("text", "voice"):
        raise Unreadable(f"a WeChat {kind} message carries no complaint text")
    if not text:
        raise Unreadable(f"the WeChat {kind} message has no text")
    return text
