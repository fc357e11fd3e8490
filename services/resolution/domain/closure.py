"""Closing a complaint (with its root cause) and reopening it within the window."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime, timedelta

from eventsourcing.domain import Aggregate, event

from runtime.attribution import recall
from runtime.upcast import added
from services.resolution.domain.case_guards import CaseGuards
from services.resolution.domain.communication import SYSTEM, check_text
from services.resolution.domain.errors import Invalid, WrongState
from services.resolution.domain.follow_up import FollowUpOpen
from services.resolution.domain.root_causes import CODE, RootCauseTaxonomy

CATEGORY = re.compile(CODE)
MAX_WHYS = 10
MAX_DETAIL = 2_000


def check_root_cause(
    category: str, why_chain: Sequence[str], *, exception: bool,
    taxonomy: RootCauseTaxonomy | None = None, detail: str | None = None,
) -> str | None:
    """A category of the taxonomy (a slug where none is given), unless closed by exception
    one to ten non-blank whys, and an optional detail; the taxonomy's version, if any."""
    if not CATEGORY.match(category):
        raise InvalidRootCause("the root cause category is a lowercase slug, e.g. courier_delay")
    if taxonomy is not None:
        taxonomy.get(category)
    if not why_chain and not exception:
        raise InvalidRootCause("the why-chain needs at least one answer")
    if len(why_chain) > MAX_WHYS:
        raise InvalidRootCause("at most {n} whys", n=MAX_WHYS)
    for why in why_chain:
        check_text(why)
    if detail is not None:
        check_text(detail)
        if len(detail) > MAX_DETAIL:
            raise InvalidRootCause("the root cause detail is at most {n} characters", n=MAX_DETAIL)
    return taxonomy.version if taxonomy is not None else None


class RootCauseFacts(Aggregate.Event):
    """What an event about the root cause says of it, recorded or closed with. Version 2
    added the taxonomy's version and the free-text detail (None before)."""

    class_version = 3  # 3: names its tenant and complaint (runtime.attribution)
    category: str
    why_chain: list[str]
    taxonomy_version: str | None
    detail: str | None
    by: str
    at: datetime

    upcast_v1_v2 = added(taxonomy_version=None, detail=None)

    upcast_v2_v3 = staticmethod(recall)


def root_cause(category: str, why_chain: Sequence[str], taxonomy_version: str | None,
               detail: str | None) -> dict:
    """The root cause as the case keeps it."""
    return {"category": category, "why_chain": list(why_chain),
            "taxonomy_version": taxonomy_version, "detail": detail}


class ClosureMixin(CaseGuards):
    """Root cause, closure (by hand, by exception, automatically) and reopening."""

    def _init_closure(self) -> None:
        self.root_cause: dict | None = None
        self.closure: dict | None = None
        self.previous_closures: list[dict] = []
        self.closed_at: datetime | None = None
        self.reopen_count = 0

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None

    def record_root_cause(
        self, *, category: str, why_chain: Sequence[str], by: str, at: datetime,
        taxonomy: RootCauseTaxonomy | None = None, detail: str | None = None,
    ) -> None:
        """Record what caused the complaint, so closure (even automatic) carries it: a code of
        the taxonomy, the why-chain and, in free text, the detail."""
        self.check_may_act(by)
        version = check_root_cause(category, why_chain, exception=False, taxonomy=taxonomy,
                                   detail=detail)
        self._root_cause_recorded(category=category, why_chain=list(why_chain), by=by, at=at,
                                  taxonomy_version=version, detail=detail)

    def close(
        self, *, by: str, at: datetime, category: str | None = None,
        why_chain: Sequence[str] = (), exception_reason: str | None = None,
        taxonomy: RootCauseTaxonomy | None = None, detail: str | None = None,
    ) -> None:
        """Close: with an executed, notified resolution and a root cause, or by exception."""
        self.check_may_act(by)
        if category is None and self.root_cause is None:
            raise InvalidRootCause("closing needs a root cause category")
        if exception_reason is not None:
            check_text(exception_reason)
        else:
            self.check_resolved()
        if category is None:  # the one recorded before, checked against its own version
            cause = dict(self.root_cause or {})
        else:
            version = check_root_cause(category, why_chain, taxonomy=taxonomy, detail=detail,
                                       exception=exception_reason is not None)
            cause = root_cause(category, why_chain, version, detail)
        self._close(by, cause, exception_reason, automatic=False, at=at)

    def check_resolved(self) -> None:
        """Raise unless a resolution was executed, the customer told about it and no
        follow-up of a low score is open."""
        if self.executed_proposal_id is None:
            raise NoExecutedResolution("no resolution was executed")
        if self.resolution_notified_at is None:
            raise CustomerNotNotified("the customer was not told about the resolution")
        if self.open_follow_up is not None:
            raise FollowUpOpen("the follow-up {task_id} of a low survey score is still open",
                               task_id=self.open_follow_up.task_id)

    def may_close_automatically(self) -> bool:
        """Resolved, told, root cause known, not waiting on the customer, no follow-up open,
        still open."""
        return (
            not self.is_closed and self.executed_proposal_id is not None
            and self.resolution_notified_at is not None and self.root_cause is not None
            and self.waiting_since is None and self.open_follow_up is None
        )

    def close_automatically(self, *, at: datetime) -> None:
        """Close without an agent (survey answered, or silence) when nothing is missing."""
        if not self.may_close_automatically():
            raise NotClosable("the case is not ready to close by itself")
        self._close(SYSTEM, dict(self.root_cause or {}), None, automatic=True, at=at)

    def silent_for(self, now: datetime) -> timedelta | None:
        """How long the customer has said nothing since the resolution or survey was sent."""
        return None if self.quiet_since is None else now - self.quiet_since

    def reopen(self, *, by: str, reason: str, at: datetime, window: timedelta) -> None:
        """The customer disputes: reopen a closed complaint, only within the window."""
        self.check_may_handle(by)
        if self.closed_at is None:
            raise NotClosed("the complaint is not closed")
        if at - self.closed_at > window:
            raise ReopenWindowPassed(
                "closed at {closed_at}; reopening is possible for {window}",
                closed_at=self.closed_at.isoformat(), window=window,
            )
        check_text(reason)
        # A survey about the disputed outcome no longer asks the right question.
        self.revoke_open_surveys(by=by, reason="the complaint was reopened", at=at)
        self._reopened(
            by=by, reason=reason, previous_owner_agent_id=self.owner_agent_id,
            previous_owner_queue=self.owner_queue, reopen_count=self.reopen_count + 1, at=at,
        )

    def _close(
        self, by: str, cause: dict, exception_reason: str | None, *, automatic: bool,
        at: datetime,
    ) -> None:
        kind = None
        if self.executed_proposal_id is not None:
            kind = self.proposals[self.executed_proposal_id].kind
        self._closed(
            by=by, category=cause["category"], why_chain=list(cause["why_chain"]),
            taxonomy_version=cause["taxonomy_version"], detail=cause["detail"],
            exception_reason=exception_reason, resolution_kind=kind, automatic=automatic, at=at,
        )

    class RootCauseRecorded(RootCauseFacts):
        """The root cause recorded before closing, so that closure (even automatic) has it."""

    class ComplaintClosed(RootCauseFacts):
        """Closed, with the root cause; by exception, automatically or by an agent."""

        exception_reason: str | None
        resolution_kind: str | None
        automatic: bool

    @event(RootCauseRecorded)
    def _root_cause_recorded(
        self, *, category: str, why_chain: list[str], taxonomy_version: str | None,
        detail: str | None, by: str, at: datetime,
    ) -> None:
        self.root_cause = root_cause(category, why_chain, taxonomy_version, detail)

    @event(ComplaintClosed)
    def _closed(
        self, *, by: str, category: str, why_chain: list[str], taxonomy_version: str | None,
        detail: str | None, exception_reason: str | None, resolution_kind: str | None,
        automatic: bool, at: datetime,
    ) -> None:
        self.closed_at = at
        self.root_cause = root_cause(category, why_chain, taxonomy_version, detail)
        self.closure = {
            "closed_by": by, **self.root_cause, "exception_reason": exception_reason,
            "automatic": automatic, "at": at,
        }
        self.quiet_since = None

    @event("ComplaintReopened")
    def _reopened(
        self, *, by: str, reason: str, previous_owner_agent_id: str | None,
        previous_owner_queue: str | None, reopen_count: int, at: datetime,
    ) -> None:
        self.closed_at = None
        self.reopen_count = reopen_count
        # The closure no longer holds: kept as history for auditors, never shown as current.
        if self.closure is not None:
            self.previous_closures.append({**self.closure, "reopened_at": at})
        self.closure = None
        # A dispute means the resolution did not hold: a new one must be executed and told.
        self.executed_proposal_id = None
        self.resolution_notified_at = None
        self.root_cause = None


class InvalidRootCause(Invalid):
    """The root cause is missing or malformed."""


class NoExecutedResolution(WrongState):
    """Closing needs an executed resolution (or a documented exception)."""


class CustomerNotNotified(WrongState):
    """Closing needs the customer told about the resolution (or a documented exception)."""


class NotClosable(WrongState):
    """Something is missing for an automatic closure."""


class NotClosed(WrongState):
    """Only a closed complaint can be reopened."""


class ReopenWindowPassed(WrongState):
    """The complaint was closed too long ago to reopen."""
