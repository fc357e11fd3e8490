"""Read side of "my work": approvals a person may decide and tasks of theirs or their
department's, listed from the projections and checked against each case, one page at a time.

Pages are keyset pages: items are ordered by a key (time, complaint id, item id) and a page
starts after the last key of the one before, so items added meanwhile neither repeat nor push
others out of a later page.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Generic, TypeVar

from runtime.auth import Principal, may_see
from runtime.ownership import owner_of
from services.resolution.application import ResolutionApplication
from services.resolution.domain import Case
from services.resolution.domain.worklist import (
    OpenTask,
    PendingApproval,
    approvals_for,
    open_tasks,
)
from services.resolution.projections import Projections

T = TypeVar("T")
Key = tuple[str, str, str]  # ISO time, complaint id, item id


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    next_after: Key | None  # the key to continue after; None on the last page


def approvals_waiting_for(
    app: ResolutionApplication, projections: Projections, caller: Principal, *,
    after: Key | None, limit: int,
) -> Page[PendingApproval]:
    """Proposals awaiting a step this caller may decide, longest waiting first."""
    projections.catch_up()
    case_ids = {case_id for case_id, _ in list(projections.stats.pending_approvals)}
    found = (a for case in _visible(app, case_ids, caller)
             for a in approvals_for(case, caller.sub, caller.role_names))
    return _page(found, lambda a: (_iso(a.awaiting_since), a.complaint_id, a.proposal_id),
                 after, limit)


def tasks_of(
    app: ResolutionApplication, projections: Projections, caller: Principal, *,
    department: bool, after: Key | None, limit: int,
) -> Page[OpenTask]:
    """Open tasks assigned to the caller (or, with `department`, every open task of the cases
    their departments hold), the earliest due first: the overdue lead."""
    projections.catch_up()
    case_ids = {case_id for case_id, _ in list(projections.stats.open_tasks)}
    found = (t for case in _visible(app, case_ids, caller) for t in open_tasks(case)
             if department or t.assignee == caller.sub)
    return _page(found, lambda t: (_iso(t.due_at), t.complaint_id, t.task_id), after, limit)


def _visible(app: ResolutionApplication, case_ids: Iterable, caller: Principal
             ) -> Iterable[Case]:
    for case_id in case_ids:
        case = app.repository.get(case_id)
        owner = owner_of(app, case.complaint_id)
        if may_see(caller, tenant=case.tenant, department=owner.department if owner else None,
                   queue=case.owner_queue):
            yield case


def _page(items: Iterable[T], key: Callable[[T], Key], after: Key | None,
          limit: int) -> Page[T]:
    ordered = sorted((item for item in items if after is None or key(item) > after), key=key)
    page = ordered[:limit]
    return Page(page, key(page[-1]) if len(ordered) > limit else None)


def _iso(at: datetime) -> str:
    # Fixed width, UTC: ISO strings then sort as the instants do.
    return at.astimezone(UTC).isoformat(timespec="microseconds")
