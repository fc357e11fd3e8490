"""Resolution's personal data: free text sealed with its complaint's key before it is stored
(and so before it is published), opened for readers, unreadable once the customer is erased.

Each complaint has its own key (`complaint/<id>` in the vault), so sealing never waits for
resolution to learn whose complaint it is; intake's complaint.received.v1 tells it, and
customer.erased.v1 destroys the keys of that customer's complaints. Evidence files are sealed
with the same key. Events stored before this sealing existed keep their plaintext.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from typing import Any

from runtime.vault import KeyVault, is_sealed
from services.resolution.domain import Case
from services.resolution.domain.closure import ClosureMixin
from services.resolution.domain.communication import CommunicationMixin
from services.resolution.domain.execution import ExecutionMixin
from services.resolution.domain.feedback import FeedbackMixin
from services.resolution.domain.follow_up import FollowUpMixin
from services.resolution.domain.investigation import InvestigationMixin
from services.resolution.domain.proposals import ProposalsMixin

ERASED = "[erased]"

# Free text about the customer, written by agents or by the customer. Where the published
# contract caps a field's length (approval comments, root-cause detail), it caps the sealed
# value (contracts.personal.sealed_length); the API caps the plaintext.
SEALED_FIELDS: dict[type, tuple[str, ...]] = {
    InvestigationMixin.InvestigationNoteAdded: ("text", "fields"),
    InvestigationMixin.EvidenceAttached: ("filename",),
    CommunicationMixin.ProgressUpdated: ("text",),
    CommunicationMixin.CustomerNotified: ("message",),
    CommunicationMixin.CustomerWaitStarted: ("reason",),
    FeedbackMixin.FeedbackReceived: ("comment",),
    FeedbackMixin.SurveyRevoked: ("reason",),
    ExecutionMixin.TaskCompleted: ("note",),
    FollowUpMixin.FollowUpCompleted: ("note",),
    ProposalsMixin.ResolutionProposed: ("description",),
    ProposalsMixin.ProposalApproved: ("comment",),
    ProposalsMixin.ProposalRejected: ("reason", "comment"),
    ClosureMixin.RootCauseRecorded: ("detail", "why_chain"),
    ClosureMixin.ComplaintClosed: ("detail", "why_chain", "exception_reason"),
    ClosureMixin.ComplaintReopened: ("reason",),
    Case.ConflictDeclared: ("reason",),
}


def key_subject(complaint_id: str) -> str:
    """The vault's name for the key of one complaint's free text and files."""
    return f"complaint/{complaint_id}"


class PersonalData:
    """Seals, opens and erases what resolution keeps about customers."""

    def __init__(self, vault: KeyVault) -> None:
        self.vault = vault

    def sealed(self, objs: Iterable[Any]) -> list[Any]:
        """The objects to save, each case replaced by its new events with free text sealed."""
        result: list[Any] = []
        for obj in objs:
            if isinstance(obj, Case):
                result += [self._seal_event(obj, e) for e in obj.collect_events()]
            else:
                result.append(obj)
        return result

    def _seal_event(self, case: Case, stored: Any) -> Any:
        names = SEALED_FIELDS.get(type(stored), ())
        changes = {
            name: self._seal_value(case.tenant, case.complaint_id, getattr(stored, name))
            for name in names
        }
        if not changes:
            return stored
        # A copy, not dataclasses.replace: that would drop what the event carries beyond its
        # declared fields (its tenant and complaint, runtime.attribution).
        sealed = copy.copy(stored)
        sealed.__dict__.update(changes)
        return sealed

    def _seal_value(self, tenant: str, complaint_id: str, value: Any) -> Any:
        if isinstance(value, dict):
            return {k: self._seal_value(tenant, complaint_id, v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self._seal_value(tenant, complaint_id, v) for v in value]
        if not isinstance(value, str) or is_sealed(value):
            return value
        return self.vault.seal(tenant, key_subject(complaint_id), value)

    def open(self, case: Case, value: Any) -> Any:
        """The plaintext of a sealed value (ERASED once erased); anything else as it is."""
        if isinstance(value, dict):
            return {k: self.open(case, v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self.open(case, v) for v in value]
        if not is_sealed(value):
            return value
        plaintext = self.vault.open(case.tenant, key_subject(case.complaint_id), value)
        return ERASED if plaintext is None else plaintext

    def seal_file(self, case: Case, content: bytes) -> bytes:
        """An evidence file as stored: sealed with the complaint's key."""
        return self.vault.seal_bytes(case.tenant, key_subject(case.complaint_id), content)

    def open_file(self, case: Case, stored: bytes) -> bytes | None:
        """An evidence file's content, None once erased; files stored unsealed as they are."""
        if not stored.startswith(b"pii:v1:"):
            return stored
        return self.vault.open_bytes(case.tenant, key_subject(case.complaint_id), stored)

    def erase(self, tenant: str, complaint_ids: Iterable[str]) -> None:
        """Destroy the keys of these complaints: their sealed text and files are gone."""
        for complaint_id in complaint_ids:
            self.vault.erase(tenant, key_subject(complaint_id))

    def close(self) -> None:
        """Release the vault's connection."""
        self.vault.close()
