"""Read models folded from resolution's own event store: knowledge base, metrics, silence,
pending approvals, open tasks and surveys due.

They follow the store's notification log, so they are rebuilt on start, see every replica's
writes, and are caught up before each read.
"""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from eventsourcing.utils import get_topic

from runtime.notification_log import TopicReader
from services.resolution.domain import Case
from services.resolution.domain.closure import ClosureMixin
from services.resolution.domain.collaboration import CollaborationMixin
from services.resolution.domain.communication import CommunicationMixin
from services.resolution.domain.execution import ExecutionMixin
from services.resolution.domain.feedback import FeedbackMixin
from services.resolution.domain.follow_up import FollowUpMixin
from services.resolution.domain.proposals import ProposalsMixin
from services.resolution.ranking import Corpus


@dataclass(frozen=True)
class Suggestion:
    complaint_id: str
    score: float
    root_cause_category: str
    why_chain: tuple[str, ...]
    resolution_kind: str | None
    resolution: str | None
    tenant: str | None = None  # whose it is: suggestions are filtered to what a caller may see


def knowledge_text(case: Case, open_: Callable[[Any], Any] = lambda text: text) -> str:
    """What a case teaches: its investigation, updates, root cause and resolution (sealed
    text opened by `open_`)."""
    parts = [open_(note["text"]) for note in case.notes]
    parts += [open_(update["text"]) for update in case.updates]
    parts += [open_(proposal.description) for proposal in case.proposals.values()]
    if case.root_cause:
        parts += [case.root_cause["category"].replace("_", " "),
                  *map(open_, case.root_cause["why_chain"])]
    return "\n".join(parts)


@dataclass
class KnowledgeBase:
    """Closed complaints with a root cause and a resolution, ranked by similarity."""

    corpus: Corpus = field(default_factory=Corpus)
    entries: dict[str, Suggestion] = field(default_factory=dict)

    def closed(self, case: Case, open_: Callable[[Any], Any] = lambda text: text) -> None:
        if case.executed_proposal_id is None or case.closure["exception_reason"]:
            return  # closed by exception: nothing was resolved to learn from
        proposal = case.proposals[case.executed_proposal_id]
        self.entries[case.complaint_id] = Suggestion(
            complaint_id=case.complaint_id, score=0.0,
            root_cause_category=case.closure["category"],
            why_chain=tuple(map(open_, case.closure["why_chain"])),
            resolution_kind=str(proposal.kind), resolution=open_(proposal.description),
            tenant=case.tenant,
        )
        self.corpus.put(case.complaint_id, knowledge_text(case, open_))

    def reopened(self, complaint_id: str) -> None:
        self.entries.pop(complaint_id, None)
        self.corpus.remove(complaint_id)

    def suggest(self, text: str, *, limit: int, exclude: str | None = None) -> list[Suggestion]:
        ranked = self.corpus.rank(text, exclude=[exclude] if exclude else [])[:limit]
        return [
            Suggestion(**{**self.entries[key].__dict__, "score": round(score, 4)})
            for key, score in ranked
        ]


@dataclass
class Stats:
    """Running counts for the metrics; which cases have been quiet since when, which tasks are
    open until when, and which cases were told their resolution and got no survey since."""

    proposals_by_kind: Counter[str] = field(default_factory=Counter)
    pending_approvals: dict[tuple[uuid.UUID, str], datetime] = field(default_factory=dict)
    reopens: int = 0
    csat: Counter[int] = field(default_factory=Counter)
    quiet_since: dict[uuid.UUID, datetime] = field(default_factory=dict)
    open_tasks: dict[tuple[uuid.UUID, str], datetime | None] = field(default_factory=dict)
    told_without_survey: dict[uuid.UUID, datetime] = field(default_factory=dict)
    reported_overdue: set[tuple[uuid.UUID, str, datetime]] = field(default_factory=set)


class Projections:
    """Folds new stored events into the knowledge base and the stats, under one lock."""

    def __init__(self, app: Any, batch_size: int = 500) -> None:
        self.app = app
        self.knowledge = KnowledgeBase()
        self.stats = Stats()
        self._lock = threading.Lock()
        self._folds: Mapping[type, Callable[[Any], None]] = {
            ProposalsMixin.ResolutionProposed: self._proposed,
            ProposalsMixin.ApprovalRequested: self._approval_requested,
            ProposalsMixin.ProposalApproved: self._decided,
            ProposalsMixin.ProposalRejected: self._decided,
            CommunicationMixin.CustomerNotified: self._notified,
            CommunicationMixin.CustomerReplied: self._spoke,
            FeedbackMixin.FeedbackReceived: self._feedback,
            ClosureMixin.ComplaintClosed: self._closed,
            ClosureMixin.ComplaintReopened: self._reopened,
            ExecutionMixin.TaskAssigned: self._task_opened,
            ExecutionMixin.TaskCompleted: self._task_done,
            ExecutionMixin.ResolutionExecuted: self._executed,
            FollowUpMixin.FollowUpOpened: self._task_opened,
            FollowUpMixin.FollowUpCompleted: self._task_done,
            FollowUpMixin.DeadlineMissed: self._overdue,
            CollaborationMixin.CollaborationRequested: self._task_opened,
            CollaborationMixin.CollaborationCompleted: self._task_done,
        }
        self._log = TopicReader(app.recorder, [get_topic(cls) for cls in self._folds],
                                page=batch_size)

    def catch_up(self) -> None:
        """Fold every event stored since the last call."""
        with self._lock:
            for notification in self._log.read():
                stored = self.app.mapper.to_domain_event(notification)
                self._folds[type(stored)](stored)

    def _proposed(self, e: Any) -> None:
        self.stats.proposals_by_kind[str(e.kind)] += 1

    def _approval_requested(self, e: Any) -> None:
        self.stats.pending_approvals[(e.originator_id, e.proposal_id)] = e.at

    def _decided(self, e: Any) -> None:
        self.stats.pending_approvals.pop((e.originator_id, e.proposal_id), None)

    def _notified(self, e: Any) -> None:
        if str(e.kind) in ("resolution", "survey"):
            self.stats.quiet_since[e.originator_id] = e.at
        if str(e.kind) == "resolution":
            self.stats.told_without_survey[e.originator_id] = e.at
        elif str(e.kind) == "survey":
            self.stats.told_without_survey.pop(e.originator_id, None)

    def _task_opened(self, e: Any) -> None:
        self.stats.open_tasks[(e.originator_id, e.task_id)] = e.due_at

    def _task_done(self, e: Any) -> None:
        self.stats.open_tasks.pop((e.originator_id, e.task_id), None)
        self.stats.reported_overdue -= {
            r for r in self.stats.reported_overdue if r[:2] == (e.originator_id, e.task_id)}

    def _overdue(self, e: Any) -> None:
        self.stats.reported_overdue.add((e.originator_id, e.task_id, e.due_at))

    def overdue_unreported(self, now: datetime) -> list[tuple[uuid.UUID, str]]:
        """Open tasks past their due time whose miss was not reported yet (a task without a
        due time is never overdue)."""
        self.catch_up()
        with self._lock:
            return [key for key, due in self.stats.open_tasks.items()
                    if due is not None and now >= due
                    and (*key, due) not in self.stats.reported_overdue]

    def surveys_due(self, now: datetime, delay: timedelta) -> list[uuid.UUID]:
        """Cases told their resolution at least `delay` ago that got no survey since."""
        self.catch_up()
        with self._lock:
            return [case_id for case_id, told in self.stats.told_without_survey.items()
                    if now - told >= delay]

    def _executed(self, e: Any) -> None:
        self.stats.told_without_survey.pop(e.originator_id, None)  # to be told anew

    def _spoke(self, e: Any) -> None:
        self.stats.quiet_since.pop(e.originator_id, None)

    def _feedback(self, e: Any) -> None:
        self.stats.csat[int(e.csat)] += 1
        self._spoke(e)

    def _closed(self, e: Any) -> None:
        self._spoke(e)
        self.stats.told_without_survey.pop(e.originator_id, None)
        for key in [k for k in self.stats.open_tasks if k[0] == e.originator_id]:
            del self.stats.open_tasks[key]
        self.stats.reported_overdue -= {
            r for r in self.stats.reported_overdue if r[0] == e.originator_id}
        for key in [k for k in self.stats.pending_approvals if k[0] == e.originator_id]:
            del self.stats.pending_approvals[key]
        case = self.app.repository.get(e.originator_id, version=e.originator_version)
        self.knowledge.closed(case, partial(self.app.personal.open, case))

    def _reopened(self, e: Any) -> None:
        self.stats.reopens += 1
        self.stats.told_without_survey.pop(e.originator_id, None)
        case = self.app.repository.get(e.originator_id, version=e.originator_version)
        self.knowledge.reopened(case.complaint_id)
