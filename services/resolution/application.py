"""Resolution's use cases: each loads the case, asks the domain to change it, saves it."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from contracts.intake import Channel, Language
from contracts.resolution import MessageKind, NoteVisibility
from runtime.eventstore import Cause, ServiceApplication
from runtime.ownership import followed
from runtime.survey_links import survey_link, survey_token
from runtime.vault import VaultError
from services.resolution.decisions import DecisionUseCases
from services.resolution.domain import Case
from services.resolution.domain.content_check import check_content
from services.resolution.domain.errors import NotAllowed
from services.resolution.domain.feedback import (
    SurveyToken,
    UnknownSurvey,
    token_hash,
)
from services.resolution.domain.follow_up import LowScore
from services.resolution.domain.language import ComplaintLanguage, known
from services.resolution.erasure import ErasureUseCases
from services.resolution.evidence_store import EvidenceStore, TamperedEvidence
from services.resolution.follow_ups import FollowUpUseCases
from services.resolution.personal import PersonalData
from services.resolution.policy_files import Policies

T = TypeVar("T")


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Rules:
    """Time rules of the service, from its settings."""

    reopen_window: timedelta = timedelta(days=30)
    survey_ttl: timedelta = timedelta(days=7)
    survey_base_url: str = "http://127.0.0.1:8004/v1/surveys"
    survey_delay: timedelta = timedelta(hours=24)  # after the resolution notice
    low_score: LowScore = field(default_factory=LowScore)
    follow_up_due: timedelta = timedelta(days=1)


@dataclass(frozen=True)
class IssuedSurvey:
    survey_id: str
    token: str
    link: str
    expires_at: datetime


class ResolutionApplication(
    DecisionUseCases, ErasureUseCases, FollowUpUseCases, ServiceApplication
):
    """Works complaints from an open case to a closed one."""

    def __init__(
        self, *, policies: Policies, evidence: EvidenceStore, personal: PersonalData,
        rules: Rules = Rules(), clock: Callable[[], datetime] = utcnow, env: Any = None,
        survey_key: bytes | None = None,
    ) -> None:
        super().__init__(env=env)
        self.survey_key = survey_key or os.urandom(32)
        self.policies = policies
        self.evidence = evidence
        self.personal = personal
        self.rules = rules
        self.clock = clock

    def get_case(self, complaint_id: str) -> Case:
        """The case of a complaint (AggregateNotFoundError if none was opened)."""
        return self.repository.get(Case.create_id(complaint_id))

    def save(self, *objs: Any, cause: Cause | None = None, **kwargs: Any) -> Any:
        """Save, a case's free text sealed with its complaint's key before it is stored."""
        return super().save(*self.personal.sealed(objs), cause=cause, **kwargs)

    def close(self) -> None:
        """Close the event store and the key vault."""
        super().close()
        self.personal.close()

    def _change(self, complaint_id: str, command: Callable[[Case], T]) -> T:
        """Get -> mutate -> save; a refusal by a control is saved on the case, then raised."""
        case = self.get_case(complaint_id)
        try:
            result = command(case)
        except NotAllowed as refusal:
            case = self.get_case(complaint_id)
            case.record_refusal(refusal, at=self.clock())
            self.save(case)
            raise
        self.save(case)
        return result

    # Following the other services

    def open_case(
        self, *, complaint_id: str, tenant: str, owner_queue: str | None,
        owner_agent_id: str | None, reason: str = "", cause: Cause | None = None,
        department: str | None = None,
    ) -> None:
        """Open the case of an assigned complaint; a later assignment changes its owner.

        The department (which decides who may see the case) is kept with it, in the same save.
        """
        cause_id = str(cause.event_id) if cause else None
        if Case.create_id(complaint_id) not in self.repository:
            case = Case(
                complaint_id=complaint_id, tenant=tenant, owner_queue=owner_queue,
                owner_agent_id=owner_agent_id, cause=cause_id,
            )
            self.save(case, *self._owned(case, department), cause=cause)
            return
        self.change_owner(
            complaint_id=complaint_id, queue=owner_queue, agent_id=owner_agent_id,
            reason=reason, cause=cause, department=department,
        )

    def change_owner(
        self, *, complaint_id: str, queue: str | None, agent_id: str | None, reason: str,
        cause: Cause | None = None, department: str | None = None,
    ) -> None:
        """Dispatch moved the complaint: the case follows its new owner."""
        case = self.get_case(complaint_id)
        case.change_owner(
            queue=queue, agent_id=agent_id, reason=reason, at=self.clock(),
            cause=str(cause.event_id) if cause else None,
        )
        self.save(case, *self._owned(case, department), cause=cause)

    def _owned(self, case: Case, department: str | None) -> list[Any]:
        if department is None or case.owner_queue is None:
            return []
        return [followed(self, complaint_id=case.complaint_id, tenant=case.tenant,
                         department=department, queue=case.owner_queue)]

    def record_language(self, *, complaint_id: str, language: str, cause: Cause) -> None:
        """Remember the language intake detected, to answer the customer in it."""
        language_id = ComplaintLanguage.create_id(complaint_id)
        if language_id in self.repository:
            detected = self.repository.get(language_id)
            detected.redetect(language)
        else:
            detected = ComplaintLanguage(complaint_id=complaint_id, language=language)
        self.save(detected, cause=cause)

    def language_of(self, complaint_id: str) -> Language | None:
        """The complaint's language if intake detected one resolution speaks, else None."""
        language_id = ComplaintLanguage.create_id(complaint_id)
        if language_id not in self.repository:
            return None
        return known(self.repository.get(language_id).language)

    def record_sla_alert(
        self, *, complaint_id: str, kind: str, clock_id: str, detail: str,
        facts: Mapping[str, Any], cause: Cause,
    ) -> None:
        """Keep an SLA warning, breach or escalation on the case, with its facts."""
        case = self.get_case(complaint_id)
        case.record_sla_alert(
            kind=kind, clock_id=clock_id, detail=detail, at=self.clock(),
            cause=str(cause.event_id), **facts,
        )
        self.save(case, cause=cause)

    # Agents at work

    def accept(self, *, complaint_id: str, agent: str) -> None:
        """An agent takes the case and starts investigating."""
        self._change(complaint_id, lambda c: c.accept(agent=agent, at=self.clock()))

    def post_update(
        self, *, complaint_id: str, author: str, text: str, visibility: NoteVisibility,
        channel: Channel | None,
    ) -> str:
        """Record progress; customer-visible progress is sent to the customer."""
        update_id = str(uuid.uuid4())
        self._change(complaint_id, lambda c: c.post_update(
            update_id=update_id, author=author, text=text, visibility=visibility,
            channel=channel, at=self.clock(),
        ))
        return update_id

    def notify_customer(
        self, *, complaint_id: str, channel: Channel, kind: MessageKind, message: str | None,
        by: str,
    ) -> None:
        """Tell the customer on their channel."""
        self._change(complaint_id, lambda c: c.notify(
            channel=channel, kind=kind, message=message, by=by, at=self.clock()
        ))

    def wait_for_customer(self, *, complaint_id: str, actor: str, reason: str) -> None:
        """Put the complaint on hold until the customer answers."""
        self._change(complaint_id, lambda c: c.wait_for_customer(
            actor=actor, reason=reason, at=self.clock()
        ))

    def customer_replied(self, *, complaint_id: str, by: str, channel: Channel | None) -> None:
        """The customer answered: the complaint is no longer on hold."""
        self._change(complaint_id, lambda c: c.customer_replied(
            by=by, channel=channel, at=self.clock()
        ))

    def declare_conflict(self, *, complaint_id: str, person: str, reason: str, by: str) -> None:
        """Declare someone conflicted on the complaint (recusal)."""
        self._change(complaint_id, lambda c: c.declare_conflict(
            person=person, reason=reason, by=by, at=self.clock()
        ))

    def add_note(
        self, *, complaint_id: str, author: str, text: str | None, template: str | None,
        fields: Mapping[str, Any], visibility: NoteVisibility,
    ) -> str:
        """Add an investigation note, free-form or from a template."""
        note_id = str(uuid.uuid4())
        language = self.language_of(complaint_id)
        self._change(complaint_id, lambda c: c.add_note(
            note_id=note_id, author=author, text=text, template=template, fields=fields,
            visibility=visibility, at=self.clock(), language=language,
        ))
        return note_id

    def attach_evidence(
        self, *, complaint_id: str, content: bytes, filename: str, content_type: str, by: str
    ) -> str:
        """Store the file by its hash (write-once) and attach it to the case."""
        # Refuse (and record the refusal) before writing anything for a conflicted person.
        self._change(complaint_id, lambda c: c.check_may_handle(by))
        check_content(content_type, content)  # the bytes, not the declared type, decide
        evidence_id = str(uuid.uuid4())
        case = self.get_case(complaint_id)
        digest = self.evidence.put(content, stored=self.personal.seal_file(case, content),
                                   folder=str(case.id), open_=self._opener(case))
        self._change(complaint_id, lambda c: c.attach_evidence(
            evidence_id=evidence_id, sha256=digest, filename=filename,
            content_type=content_type, size_bytes=len(content), by=by, at=self.clock(),
        ))
        return evidence_id

    def read_evidence(self, *, complaint_id: str, evidence_id: str) -> tuple[dict, bytes]:
        """The evidence and its content, verified against its hash (TamperedEvidence)."""
        case = self.get_case(complaint_id)
        item = asdict(case.evidence_item(evidence_id))
        item["filename"] = self.personal.open(case, item["filename"])
        content = self.evidence.read(item["sha256"], folder=str(case.id),
                                     open_=self._opener(case))
        return item, content

    def _opener(self, case: Case) -> Callable[[bytes], bytes | None]:
        def open_(stored: bytes) -> bytes | None:
            try:
                return self.personal.open_file(case, stored)
            except VaultError as error:
                raise TamperedEvidence(str(error)) from None
        return open_

    # Feedback, closure, reopening

    def issue_survey(self, *, complaint_id: str, channel: Channel, by: str) -> IssuedSurvey:
        """Send the customer a survey link with an unguessable token that expires; the link
        is returned to the caller only, never recorded nor published."""
        survey_id = str(uuid.uuid4())
        token = survey_token(self.survey_key, survey_id)
        now = self.clock()
        issued = IssuedSurvey(
            survey_id=survey_id, token=token, link=self.survey_link(survey_id),
            expires_at=now + self.rules.survey_ttl,
        )
        case = self.get_case(complaint_id)
        case.issue_survey(
            survey_id=issued.survey_id, token_hash=token_hash(token),
            expires_at=issued.expires_at, channel=channel, by=by, at=now,
        )
        self.save(case, SurveyToken(token_hash(token), complaint_id))
        return issued

    def survey_link(self, survey_id: str) -> str:
        """The customer's link to a survey: derived from its id under the service's survey
        key, so a survey sent by the service itself reaches the customer too (by their
        tracking link, or by whoever sends it with the same key)."""
        return survey_link(self.rules.survey_base_url, self.survey_key, survey_id)

    def revoke_survey(self, *, complaint_id: str, survey_id: str, by: str, reason: str) -> None:
        """Make a survey's link unusable before it is answered or expires."""
        self._change(complaint_id, lambda c: c.revoke_survey(
            survey_id=survey_id, by=by, reason=reason, at=self.clock()))

    def survey_case(self, token: str) -> Case:
        """The case a survey token belongs to (UnknownSurvey)."""
        index_id = SurveyToken.create_id(token_hash(token))
        if index_id not in self.repository:
            raise UnknownSurvey("no such survey")
        return self.get_case(self.repository.get(index_id).complaint_id)

    def answer_survey(
        self, *, token: str, csat: int, nps: int | None, comment: str | None
    ) -> None:
        """The customer's answer; a low one opens a follow-up (回访) for the owner, otherwise a
        resolved case with a known root cause then closes."""
        case = self.survey_case(token)
        now = self.clock()
        case.answer_survey(token_hash=token_hash(token), csat=csat, nps=nps, comment=comment,
                           at=now)
        case.follow_up_if_low(
            survey_id=case.survey_by_hash(token_hash(token)).survey_id, csat=csat, nps=nps,
            low=self.rules.low_score, task_id=str(uuid.uuid4()),
            due_in=self.rules.follow_up_due, at=now,
        )
        if case.may_close_automatically():
            case.close_automatically(at=now)
        self.save(case)

    def record_root_cause(
        self, *, complaint_id: str, category: str, why_chain: Sequence[str], by: str,
        detail: str | None = None,
    ) -> None:
        """Record the root cause ahead of closure: a code of the root-cause taxonomy."""
        taxonomy = self.policies.root_causes()
        self._change(complaint_id, lambda c: c.record_root_cause(
            category=category, why_chain=why_chain, by=by, at=self.clock(), taxonomy=taxonomy,
            detail=detail,
        ))

    def close_case(
        self, *, complaint_id: str, by: str, category: str | None, why_chain: Sequence[str],
        exception_reason: str | None, detail: str | None = None,
    ) -> None:
        """Close the complaint with its root cause (or a documented exception)."""
        taxonomy = self.policies.root_causes()
        self._change(complaint_id, lambda c: c.close(
            by=by, at=self.clock(), category=category, why_chain=why_chain,
            exception_reason=exception_reason, taxonomy=taxonomy, detail=detail,
        ))

    def close_if_silent(self, *, case_id: uuid.UUID, silence: timedelta) -> bool:
        """Close a resolved case whose customer said nothing for `silence`; True if closed."""
        case = self.repository.get(case_id)
        now = self.clock()
        quiet = case.silent_for(now)
        if quiet is None or quiet < silence or not case.may_close_automatically():
            return False
        case.close_automatically(at=now)
        self.save(case)
        return True

    def reopen_case(self, *, complaint_id: str, by: str, reason: str) -> None:
        """The customer disputes the outcome: reopen within the window."""
        self._change(complaint_id, lambda c: c.reopen(
            by=by, reason=reason, at=self.clock(), window=self.rules.reopen_window
        ))
