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
UNDATED = "~"  # the time key of a task without a due time: sorts after every ISO time


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
    their departments hold, and the collaboration tasks of their departments), the earliest
    due first: the overdue lead, tasks without a due time last."""
    projections.catch_up()
    case_ids = {case_id for case_id, _ in list(projections.stats.open_tasks)}
    cases = (app.repository.get(case_id) for case_id in case_ids)
    found = (t for case in cases for t in _tasks_seen_by(app, case, caller)
             if department or t.assignee == caller.sub)
    return _page(found, lambda t: (_iso(t.due_at) if t.due_at else UNDATED, t.complaint_id,
                                   t.task_id), after, limit)


def may_work_on(app: ResolutionApplication, case: Case, caller: Principal,
                task_department: str | None) -> bool:
    """Whether the caller may see and do a task: they may see its case (its tenant, owning
    department and queue), or it is a collaboration task of a department they work in."""
    if _sees_case(app, case, caller):
        return True
    return task_department is not None and may_see(caller, tenant=case.tenant,
                                                   department=task_department)


def _tasks_seen_by(app: ResolutionApplication, case: Case, caller: Principal
                   ) -> Iterable[OpenTask]:
    tasks = list(open_tasks(case))
    if tasks and _sees_case(app, case, caller):
        return tasks
    return [t for t in tasks if t.department is not None
            and may_see(caller, tenant=case.tenant, department=t.department)]


def _sees_case(app: ResolutionApplication, case: Case, caller: Principal) -> bool:
    owner = owner_of(app, case.complaint_id)
    return may_see(caller, tenant=case.tenant, department=owner.department if owner else None,
                   queue=case.owner_queue)


def _visible(app: ResolutionApplication, case_ids: Iterable, caller: Principal
             ) -> Iterable[Case]:
    for case_id in case_ids:
        case = app.repository.get(case_id)
        if _sees_case(app, case, caller):
            yield case


def _page(items: Iterable[T], key: Callable[[T], Key], after: Key | None,
          limit: int) -> Page[T]:
    ordered = sorted((item for item in items if after is None or key(item) > after), key=key)
    page = ordered[:limit]
    return Page(page, key(page[-1]) if len(ordered) > limit else None)


def _iso(at: datetime) -> str:
    # Fixed width, UTC: ISO strings then sort as the instants do.
    return at.astimezone(UTC).isoformat(timespec="microseconds")
