"""The kinds and rules resolution's events name (contracts.resolution): statuses as StrEnum,
and what sealing free text with the complaint's key means."""

from __future__ import annotations

from enum import StrEnum

SEALED_BY_CASE = (
    "sealed with the complaint's key (`pii:v1:`) when it may hold personal data; unreadable "
    "once the customer is erased"
)

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
