"""Corrective actions against a category or root cause, and whether complaints fell after."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from services.analytics.folding import ch_time
from services.analytics.schema import COMPLAINTS
from services.analytics.store import ClickHouseStore

COLUMNS = (
    "action_id", "tenant", "target_kind", "target", "title", "owner", "due_date",
    "effective_at", "created_at",
)
SELECT = f"SELECT {', '.join(COLUMNS)} FROM actions FINAL"
# {column} is a target kind's column, from TargetKind only; values are bound.
T = "DateTime64(3, 'UTC')"
COUNTS = (
    f"SELECT countIf(received_at < {{{{effective:{T}}}}} AND {{column}} = {{{{target:String}}}}),"
    f" countIf(received_at < {{{{effective:{T}}}}}),"
    f" countIf(received_at >= {{{{effective:{T}}}}} AND {{column}} = {{{{target:String}}}}),"
    f" countIf(received_at >= {{{{effective:{T}}}}})"
    f" FROM {COMPLAINTS} WHERE tenant = {{{{tenant:String}}}}"
    f" AND received_at >= {{{{lo:{T}}}}} AND received_at < {{{{hi:{T}}}}}"
)


class TargetKind(StrEnum):
    CATEGORY = "category"
    ROOT_CAUSE = "root_cause"


class NewAction(BaseModel):
    """An improvement to be made, against a category or root cause of complaints."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    target_kind: TargetKind
    target: str = Field(min_length=1, max_length=200, description="The category or root cause")
    title: str = Field(min_length=1, max_length=500, description="What is being changed")
    owner: str = Field(min_length=1, max_length=200, description="User id or team accountable")
    due_date: date
    effective_at: AwareDatetime = Field(description="When the change took (or takes) effect")


class Action(NewAction):
    """A recorded corrective action."""

    action_id: uuid.UUID
    tenant: str
    created_at: datetime


class Period(BaseModel):
    """Complaints received in one period: against the target, in all, per day and as a share."""

    start: datetime
    end: datetime
    days: float
    complaints: int
    all_complaints: int
    per_day: float | None
    share: float | None


class Effect(BaseModel):
    """The complaint rate against the target before and after the action took effect."""

    action: Action
    before: Period
    after: Period
    per_day_change: float | None = Field(description="after.per_day / before.per_day - 1")
    share_change: float | None = Field(description="after.share - before.share")


class CorrectiveActions:
    """Records actions and measures them against the projection."""

    def __init__(self, store: ClickHouseStore) -> None:
        self.store = store

    def record(self, new: NewAction, *, tenant: str, now: datetime | None = None) -> Action:
        """Store a new action of a tenant."""
        created = now or _now()
        created = created.replace(microsecond=created.microsecond // 1000 * 1000)  # as stored
        action = Action(
            **new.model_dump(), tenant=tenant, action_id=uuid.uuid4(), created_at=created
        )
        self.store.insert("actions", COLUMNS, [{
            **action.model_dump(mode="json"), "action_id": str(action.action_id),
            "due_date": action.due_date.isoformat(),
            "effective_at": ch_time(action.effective_at), "created_at": ch_time(action.created_at),
        }])
        return action

    def list(self, tenant: str | None = None) -> list[Action]:
        """Every action, or one tenant's, by when they took effect."""
        sql, params = SELECT, {}
        if tenant:
            sql, params = sql + " WHERE tenant = {tenant:String}", {"tenant": tenant}
        rows = self.store.select(sql + " ORDER BY effective_at, action_id", params)
        return [_action(row) for row in rows]

    def get(self, action_id: uuid.UUID) -> Action | None:
        """One action, if it was recorded."""
        rows = self.store.select(SELECT + " WHERE action_id = {id:UUID}", {"id": str(action_id)})
        return _action(rows[0]) if rows else None

    def effect(self, action: Action, *, days: int, now: datetime | None = None) -> Effect:
        """Complaints against the target in the `days` before and after it took effect."""
        effective, span = action.effective_at, timedelta(days=days)
        end = min(effective + span, now or _now())
        before_t, before_all, after_t, after_all = self.store.select(
            COUNTS.format(column=TargetKind(action.target_kind).value), {
                "tenant": action.tenant, "target": action.target,
                "effective": ch_time(effective), "lo": ch_time(effective - span),
                "hi": ch_time(max(end, effective)),
            },
        )[0]
        before = _period(effective - span, effective, int(before_t), int(before_all))
        after = _period(effective, max(end, effective), int(after_t), int(after_all))
        return Effect(
            action=action, before=before, after=after,
            per_day_change=_ratio_change(after.per_day, before.per_day),
            share_change=None if after.share is None or before.share is None
            else round(after.share - before.share, 6),
        )


def _period(start: datetime, end: datetime, complaints: int, everything: int) -> Period:
    days = (end - start).total_seconds() / 86400
    return Period(
        start=start, end=end, days=round(days, 6), complaints=complaints,
        all_complaints=everything,
        per_day=round(complaints / days, 6) if days > 0 else None,
        share=round(complaints / everything, 6) if everything else None,
    )


def _ratio_change(after: float | None, before: float | None) -> float | None:
    return None if not before or after is None else round(after / before - 1, 6)


def _action(row: tuple) -> Action:
    values = dict(zip(COLUMNS, row, strict=True))
    for name in ("effective_at", "created_at"):
        if isinstance(values[name], str):
            values[name] = datetime.fromisoformat(values[name]).replace(tzinfo=UTC)
        elif values[name].tzinfo is None:
            values[name] = values[name].replace(tzinfo=UTC)
    return Action.model_validate(values)


def _now() -> datetime:
    return datetime.now(UTC)
