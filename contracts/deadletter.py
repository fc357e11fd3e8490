"""The record published on `deadletter.v1` for a message that could not be processed."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class DeadLetterReason(StrEnum):
    UNPARSEABLE = "unparseable"
    SCHEMA_INVALID = "schema_invalid"
    UNKNOWN_TYPE = "unknown_type"
    HANDLER_FAILED = "handler_failed"
    REJECTED = "rejected"


class DeadLetter(BaseModel):
    """Where a message came from, what it was, and why it could not be processed."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    consumer: str
    source_topic: str
    partition: int
    offset: int
    key: str | None
    value: str = Field(
        description="The original value as UTF-8, bad bytes replaced; a value holding personal "
        "plaintext only sealed with the customer's key, or `withheld:sha256:<hex>`"
    )
    reason: DeadLetterReason
    error: str
    attempts: int = Field(ge=1)
    failed_at: datetime
