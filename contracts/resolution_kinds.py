"""The kinds and rules resolution's events name (contracts.resolution): statuses as StrEnum."""

from __future__ import annotations

from enum import StrEnum


class NoteVisibility(StrEnum):
    CUSTOMER = "customer"
    INTERNAL = "internal"


class EvidenceKind(StrEnum):
    IMAGE = "image"
    DOCUMENT = "document"
    VOICE = "voice"


class ResolutionKind(StrEnum):
    REFUND = "refund"
    REPLACEMENT = "replacement"
    COMPENSATION = "compensation"
    TECHNICAL_SUPPORT = "technical_support"
    EXPLANATION_APOLOGY = "explanation_apology"


class MessageKind(StrEnum):
    ACKNOWLEDGEMENT = "acknowledgement"
    PROGRESS_UPDATE = "progress_update"
    RESOLUTION = "resolution"
    SURVEY = "survey"
    CLOSURE = "closure"


class RefusedAction(StrEnum):
    HANDLE = "handle"
    APPROVE = "approve"
    REJECT = "reject"
    EXECUTE = "execute"


class RefusalRule(StrEnum):
    FOUR_EYES = "four_eyes"
    RECUSAL = "recusal"
    APPROVER_ROLE = "approver_role"
    APPROVAL_REQUIRED = "approval_required"
