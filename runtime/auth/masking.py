"""Field-level protection: personal fields are marked on response models (and on the event
contracts, contracts.personal) and masked for callers without the `pii:read` scope.

    class ComplaintView(BaseModel):
        customer_name: Annotated[str | None, Personal.NAME]
        customer_contact: Annotated[str | None, Personal.CONTACT]

    return redact(view, caller)
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, TypeVar

from pydantic import BaseModel

from contracts.personal import Personal, personal_fields
from runtime.auth.principal import Principal
from runtime.auth.roles import Scope

M = TypeVar("M", bound=BaseModel)
REDACTED = "[redacted]"


def mask_phone(phone: str) -> str:
    """Keep the first 3 and last 4 digits: "13812345678" -> "138****5678"."""
    positions = [i for i, char in enumerate(phone) if char.isdigit()]
    n = len(positions)
    head, tail = (3, 4) if n >= 11 else (2, 2) if n >= 7 else (0, 2) if n >= 5 else (0, 0)
    keep = set(positions[:head]) | set(positions[n - tail:n])
    return "".join("*" if i in positions and i not in keep else char
                   for i, char in enumerate(phone))


def mask_email(email: str) -> str:
    """Keep the mailbox's first letter and the domain: "alice@example.com" -> "a***@example.com"."""
    mailbox, at, domain = email.rpartition("@")
    if not at or not mailbox:
        return mask_name(email)
    return f"{mailbox[0]}***@{domain}"


def mask_name(name: str) -> str:
    """Keep the first character of each part: "王小明" -> "王**", "Alice Wong" -> "A**** W***"."""
    return " ".join(part[:1] + "*" * (len(part) - 1) for part in name.split(" "))


_EMAIL = re.compile(r"[^@\s]+@[^@\s]+")


def mask_contact(contact: str) -> str:
    """A phone number or an e-mail address, whichever it is."""
    return mask_email(contact) if _EMAIL.fullmatch(contact.strip()) else mask_phone(contact)


MASKS: dict[Personal, Callable[[str], str]] = {
    Personal.NAME: mask_name, Personal.PHONE: mask_phone, Personal.EMAIL: mask_email,
    Personal.CONTACT: mask_contact, Personal.TEXT: lambda _: REDACTED,
}


def may_read_personal_data(principal: Principal) -> bool:
    """Whether principal sees personal fields in plaintext."""
    return principal.has(Scope.PII_READ)


def redact(model: M, principal: Principal) -> M:
    """model as principal may see it: personal fields masked unless they hold `pii:read`."""
    if may_read_personal_data(principal):
        return model
    return mask(model)


def mask(model: M) -> M:
    """A copy of model with every personal field (nested models too) masked."""
    update: dict[str, Any] = {}
    kinds = personal_fields(type(model))
    for name in type(model).model_fields:
        value = getattr(model, name)
        if name in kinds and isinstance(value, str):
            update[name] = MASKS[kinds[name]](value)
        elif isinstance(value, BaseModel):
            update[name] = mask(value)
        elif isinstance(value, list):
            update[name] = [mask(item) if isinstance(item, BaseModel) else item for item in value]
    return model.model_copy(update=update)
