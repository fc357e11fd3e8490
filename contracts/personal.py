"""Which fields of a published event are personal data: marked on the contract itself, so
every reader (an API that masks, the audit trail, a projection that drops them) uses one list.

    class ProgressUpdated(DomainEvent):
        text: Annotated[str, Personal.TEXT]
"""

from __future__ import annotations

import math
import typing
from collections.abc import Iterable
from enum import StrEnum

from pydantic import BaseModel


class Personal(StrEnum):
    """Marks a field as personal data, and says how to mask it."""

    NAME = "name"
    PHONE = "phone"
    EMAIL = "email"
    CONTACT = "contact"
    TEXT = "text"  # free text may hold anything personal: masked whole


def sealed_length(characters: int) -> int:
    """The longest sealed value (`pii:v1:<32 hex key id>:<base64 of 12-byte nonce, UTF-8 of
    at most 4 bytes a character, 16-byte tag>`) of a plaintext of so many characters: the cap
    a published field takes when its plaintext is capped and it is sealed."""
    return len("pii:v1:") + 32 + 1 + 4 * math.ceil((12 + 4 * characters + 16) / 3)


def personal_fields(model: type[BaseModel]) -> dict[str, Personal]:
    """The model's own fields that are marked Personal, with their kind."""
    return {
        name: marker
        for name, field in model.model_fields.items()
        for marker in field.metadata if isinstance(marker, Personal)
    }


def personal_names(models: Iterable[type[BaseModel]]) -> frozenset[str]:
    """The names of every field marked Personal on these models or the models they nest."""
    names: set[str] = set()
    seen: set[type[BaseModel]] = set()
    todo = list(models)
    while todo:
        model = todo.pop()
        if model in seen:
            continue
        seen.add(model)
        names |= personal_fields(model).keys()
        todo += [m for field in model.model_fields.values() for m in _models(field.annotation)]
    return frozenset(names)


def _models(annotation: object) -> list[type[BaseModel]]:
    """The pydantic models an annotation holds: itself, or inside Optional, tuple, list."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [m for arg in typing.get_args(annotation) for m in _models(arg)]
