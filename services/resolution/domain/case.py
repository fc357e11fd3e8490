"""The case in which a complaint is investigated, resolved and closed: one aggregate.

Each concept (communication, investigation, proposals, execution, feedback, follow-up,
collaboration, closure) is a mixin in its own module, so that one complaint's events keep one
sequence and every guard sees the whole case; the mixins' event classes are the stored topics
(`services.resolution.domain.proposals:ProposalsMixin.ProposalApproved`), so they stay where
they are. The things a case holds are small entities beside their concept, owning their state
and guards: `Proposal` (approval chain, four eyes, executability), `Task` (assignee,
completion), `Evidence` (hash, file type), `Survey` (expiry, one answer), `Collaboration`
and `FollowUp`. A case's command stays thin: check that the case is open and the actor not
recused, find the entity (`errors.find`), let it decide, record the event; the event method
hands the change to the entity.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from eventsourcing.domain import Aggregate, event

from contracts.envelope import NAMESPACE
from contracts.resolution import RefusalRule, RefusedAction
from runtime.attribution import Attributed, recall
from runtime.upcast import added
from services.resolution.domain.closure import ClosureMixin
from services.resolution.domain.collaboration import CollaborationMixin
from services.resolution.domain.communication import CommunicationMixin, check_text
from services.resolution.domain.errors import NotAllowed, WrongState
from services.resolution.domain.execution import ExecutionMixin
from services.resolution.domain.feedback import FeedbackMixin
from services.resolution.domain.follow_up import FollowUpMixin
from services.resolution.domain.investigation import InvestigationMixin
from services.resolution.domain.proposals import ProposalsMixin


class CaseStatus(StrEnum):
    OPEN = "open"
    INVESTIGATING = "investigating"
    CLOSED = "closed"


class Case(
    Attributed, CommunicationMixin, InvestigationMixin, ProposalsMixin, ExecutionMixin,
    FeedbackMixin, FollowUpMixin, CollaborationMixin, ClosureMixin,
):
    """The work on one complaint, owned by a queue and, once picked, an agent."""

    # eventsourcing treats every keyword-only argument of an @event method as required,
    # defaults or not, so none are given defaults here.

    @staticmethod
    def create_id(complaint_id: str) -> uuid.UUID:
        return uuid.uuid5(NAMESPACE, f"case/{complaint_id}")

    @event("Opened")
    def __init__(
        self,
        *,
        complaint_id: str,
        tenant: str,
        owner_queue: str | None,
        owner_agent_id: str | None,
        cause: str | None,
    ) -> None:
        self.complaint_id = complaint_id
        self.tenant = tenant
        self.owner_queue = owner_queue
        self.owner_agent_id = owner_agent_id
        self.handler: str | None = None
        self.conflicts: dict[str, str] = {}
        self.refusals: list[dict] = []
        self.sla_alerts: list[dict] = []
        self._init_communication()
        self._init_investigation()
        self._init_proposals()
        self._init_execution()
        self._init_feedback()
        self._init_follow_up()
        self._init_collaboration()
        self._init_closure()

    @property
    def status(self) -> CaseStatus:
        if self.is_closed:
            return CaseStatus.CLOSED
        return CaseStatus.INVESTIGATING if self.handler else CaseStatus.OPEN

    def accept(self, *, agent: str, at: datetime) -> None:
        """An agent takes the case and starts investigating."""
        self.check_may_act(agent)
        if self.handler == agent:
            raise AlreadyAccepted("{agent} already handles this case", agent=agent)
        self._accepted(agent=agent, at=at)

    def change_owner(
        self, *, queue: str | None, agent_id: str | None, reason: str, at: datetime,
        cause: str | None,
    ) -> bool:
        """Follow dispatch's decision about who owns the complaint; False if nothing changed."""
        if (queue, agent_id) == (self.owner_queue, self.owner_agent_id):
            return False
        self._owner_changed(queue=queue, agent_id=agent_id, reason=reason, at=at, cause=cause)
        return True

    def record_sla_alert(
        self, *, kind: str, clock_id: str, detail: str, at: datetime, cause: str | None,
        share_elapsed: float | None = None, deadline_at: datetime | None = None,
        level: str | None = None, reason: str | None = None,
    ) -> None:
        """Keep SLA warnings, breaches and escalations on the case, for whoever works it: the
        SLA service's facts, so each reader gets them in their language, and `detail` in
        English."""
        self._sla_alert_recorded(
            kind=kind, clock_id=clock_id, detail=detail, at=at, cause=cause,
            share_elapsed=share_elapsed, deadline_at=deadline_at, level=level, reason=reason,
        )

    def declare_conflict(self, *, person: str, reason: str, by: str, at: datetime) -> None:
        """Declare a person conflicted on this complaint; from now on they may not act on it."""
        check_text(person)
        check_text(reason)
        if person in self.conflicts:
            raise AlreadyDeclared("{person} is already declared conflicted", person=person)
        self._conflict_declared(person=person, reason=reason, by=by, at=at)

    def record_refusal(self, refusal: NotAllowed, *, at: datetime) -> None:
        """Keep a refused attempt on record, so auditors see attempted violations."""
        self._action_refused(
            actor=refusal.actor, action=refusal.action, rule=refusal.rule,
            detail=refusal.detail, proposal_id=refusal.proposal_id, at=at,
        )

    @event("Accepted")
    def _accepted(self, *, agent: str, at: datetime) -> None:
        self.handler = agent

    @event("OwnerChanged")
    def _owner_changed(
        self, *, queue: str | None, agent_id: str | None, reason: str, at: datetime,
        cause: str | None,
    ) -> None:
        self.owner_queue, self.owner_agent_id = queue, agent_id

    class SlaAlertRecorded(Aggregate.Event):
        """Version 2 added the alert's facts (None before: such alerts have only their English
        `detail`)."""

        class_version = 3  # 3: names its tenant and complaint (runtime.attribution)
        kind: str
        clock_id: str
        detail: str
        at: datetime
        cause: str | None
        share_elapsed: float | None
        deadline_at: datetime | None
        level: str | None
        reason: str | None

        upcast_v1_v2 = added(share_elapsed=None, deadline_at=None, level=None, reason=None)

        upcast_v2_v3 = staticmethod(recall)

    @event(SlaAlertRecorded)
    def _sla_alert_recorded(
        self, *, kind: str, clock_id: str, detail: str, at: datetime, cause: str | None,
        share_elapsed: float | None, deadline_at: datetime | None, level: str | None,
        reason: str | None,
    ) -> None:
        facts = {"share_elapsed": share_elapsed, "deadline_at": deadline_at, "level": level,
                 "reason": reason}
        self.sla_alerts.append({
            "kind": kind, "clock_id": clock_id, "detail": detail, "at": at,
            "facts": {name: value for name, value in facts.items() if value is not None} or None,
        })

    @event("ConflictDeclared")
    def _conflict_declared(self, *, person: str, reason: str, by: str, at: datetime) -> None:
        self.conflicts[person] = reason

    @event("ActionRefused")
    def _action_refused(
        self, *, actor: str, action: RefusedAction, rule: RefusalRule, detail: str,
        proposal_id: str | None, at: datetime,
    ) -> None:
        self.refusals.append({
            "actor": actor, "action": str(action), "rule": str(rule), "detail": detail,
            "proposal_id": proposal_id, "at": at,
        })


class AlreadyAccepted(WrongState):
    """The agent already handles the case."""


class AlreadyDeclared(WrongState):
    """The person is already declared conflicted."""
