"""Which fields of a published event are personal data: marked on the contract itself, so
every reader (an API that masks, the audit trail, a projection that drops them) uses one list.

    class ProgressUpdated(DomainEvent):
        text: Annotated[str, Personal.TEXT]
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel


class Personal(StrEnum):
    """Marks a field as personal data, and says how to mask it."""

    NAME = "name"
    PHONE = "phone"
    EMAIL = "email"
    CONTACT = "contact"
    TEXT = "text"  # free text may hold anything personal: masked whole


def personal_fields(model: type[BaseModel]) -> dict[str, Personal]:
    """The model's own fields that are marked Personal, with their kind."""
    return {
        name: marker
        for name, field in model.model_fields.items()
        for marker in field.metadata if isinstance(marker, Personal)
    }
