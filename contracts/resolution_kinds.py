"""The kinds and rules resolution's events name (contracts.resolution): statuses as StrEnum,
and the free text they seal with the complaint's key."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import Field

from contracts.personal import Personal

SEALED_BY_CASE = (
    "sealed with the complaint's key (`pii:v1:`) when it may hold personal data; unreadable "
    "once the customer is erased"
)
SealedReason = Annotated[str, Personal.TEXT, Field(description=f"Free text, {SEALED_BY_CASE}")]

# StrEnum("Name", "A B_C") declares Name.A = "a", Name.B_C = "b_c": values are the
# member names in lower case.
NoteVisibility = StrEnum("NoteVisibility", "CUSTOMER INTERNAL")


EvidenceKind = StrEnum("EvidenceKind", "IMAGE DOCUMENT VOICE")


ResolutionKind = StrEnum("ResolutionKind", (
    "REFUND REPLACEMENT COMPENSATION TECHNICAL_SUPPORT EXPLANATION_APOLOGY"
))


MessageKind = StrEnum("MessageKind", "ACKNOWLEDGEMENT PROGRESS_UPDATE RESOLUTION SURVEY CLOSURE")


RefusedAction = StrEnum("RefusedAction", "HANDLE APPROVE REJECT EXECUTE")


RefusalRule = StrEnum("RefusalRule", "FOUR_EYES RECUSAL APPROVER_ROLE APPROVAL_REQUIRED")
