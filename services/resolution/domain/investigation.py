"""The investigation: notes (free-form or from a template) and evidence by content hash."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from eventsourcing.domain import event

from contracts.intake import Language
from contracts.resolution import EvidenceKind, NoteVisibility
from services.resolution.domain import templates
from services.resolution.domain.case_guards import CaseGuards
from services.resolution.domain.communication import check_text
from services.resolution.domain.errors import Invalid, NotFound, find
from services.resolution.domain.language import DEFAULT

SHA256 = re.compile(r"^[0-9a-f]{64}$")

# What an agent may attach; anything else (executables, archives) is refused.
CONTENT_TYPES: Mapping[str, EvidenceKind] = {
    **{t: EvidenceKind.IMAGE for t in (
        "image/jpeg", "image/png", "image/gif", "image/webp", "image/heic", "image/tiff",
    )},
    **{t: EvidenceKind.VOICE for t in (
        "audio/mpeg", "audio/wav", "audio/x-wav", "audio/ogg", "audio/mp4", "audio/amr",
        "audio/webm", "audio/aac",
    )},
    **{t: EvidenceKind.DOCUMENT for t in (
        "application/pdf", "text/plain", "text/csv", "message/rfc822", "application/msword",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.ms-excel",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )},
}


def evidence_kind(content_type: str) -> EvidenceKind:
    """The kind of evidence a content type is (UnsupportedContentType)."""
    kind = CONTENT_TYPES.get(content_type.split(";")[0].strip().lower())
    if kind is None:
        raise UnsupportedContentType("{content_type!r} is not accepted as evidence",
                                     content_type=content_type)
    return kind


@dataclass
class Evidence:
    """A file attached to the case, stored elsewhere by its content hash."""

    evidence_id: str
    sha256: str
    filename: str
    content_type: str
    size_bytes: int
    kind: str
    attached_by: str
    at: datetime

    @staticmethod
    def check_new(sha256: str, filename: str, content_type: str) -> EvidenceKind:
        """The kind of a file that may be attached: named, by a SHA-256, of a type accepted."""
        if not SHA256.match(sha256):
            raise Invalid("sha256 must be 64 lowercase hex digits")
        check_text(filename)
        return evidence_kind(content_type)


class InvestigationMixin(CaseGuards):
    """Notes and evidence of the case's investigation."""

    def _init_investigation(self) -> None:
        self.notes: list[dict] = []
        self.evidence: dict[str, Evidence] = {}

    def add_note(
        self, *, note_id: str, author: str, text: str | None, template: str | None,
        fields: Mapping[str, Any], visibility: NoteVisibility, at: datetime,
        language: Language | None = None,
    ) -> None:
        """Add a note; a template's fields are validated and, without text, rendered with
        labels in the complaint's language."""
        self.check_may_act(author)
        values: dict[str, Any] = {}
        if template is not None:
            values, rendered = templates.fill(template, fields, language or DEFAULT)
            text = text or rendered
        elif fields:
            raise Invalid("structured fields need a template")
        check_text(text or "")
        self._note_added(
            note_id=note_id, author=author, text=text, template=template, fields=values,
            visibility=visibility, at=at,
        )

    def attach_evidence(
        self, *, evidence_id: str, sha256: str, filename: str, content_type: str,
        size_bytes: int, by: str, at: datetime,
    ) -> None:
        """Attach a stored file by its content hash."""
        self.check_may_act(by)
        kind = Evidence.check_new(sha256, filename, content_type)
        self._evidence_attached(
            evidence_id=evidence_id, sha256=sha256, filename=filename,
            content_type=content_type, size_bytes=size_bytes, kind=kind, by=by, at=at,
        )

    def evidence_item(self, evidence_id: str) -> Evidence:
        """The attached evidence with this id (UnknownEvidence)."""
        return find(self.evidence, evidence_id, UnknownEvidence,
                    "no evidence {evidence_id!r} on this case", evidence_id=evidence_id)

    def check_evidence(self, evidence_ids: Iterable[str], *, required: bool) -> None:
        """Raise unless every id is attached evidence (and, if required, there is one)."""
        ids = list(evidence_ids)
        if required and not ids:
            raise EvidenceRequired("completion needs evidence")
        for evidence_id in ids:
            self.evidence_item(evidence_id)

    @event("InvestigationNoteAdded")
    def _note_added(
        self, *, note_id: str, author: str, text: str, template: str | None, fields: dict,
        visibility: NoteVisibility, at: datetime,
    ) -> None:
        self.notes.append({
            "note_id": note_id, "author": author, "text": text, "template": template,
            "fields": fields, "visibility": str(visibility), "at": at,
        })

    @event("EvidenceAttached")
    def _evidence_attached(
        self, *, evidence_id: str, sha256: str, filename: str, content_type: str,
        size_bytes: int, kind: EvidenceKind, by: str, at: datetime,
    ) -> None:
        self.evidence[evidence_id] = Evidence(
            evidence_id, sha256, filename, content_type, size_bytes, str(kind), by, at)


class UnsupportedContentType(Invalid):
    """The file's type is not an image, document or voice recording we accept."""


class UnknownEvidence(NotFound):
    """The case has no evidence with this id."""


class EvidenceRequired(Invalid):
    """The step needs evidence and none was given."""
