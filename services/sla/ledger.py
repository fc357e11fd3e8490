"""The explainable ledger: every fact and clock change of a complaint, with cause and actor.

It answers "why did this breach?": which event started the clock, what paused it and for how
long, which re-base moved it, and which schedule the breach fired on. Pauses longer than the
policy's share of the allowed time are flagged as possible clock-gaming; a schedule reaching a
year its calendar version does not cover is flagged `calendar_not_covering_<year>`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from contracts.sla import outcome_before_it_was_published
from services.sla.domain import ComplaintSla

GAMING = "possible clock-gaming"
UNCOVERED = "calendar_not_covering_{year}"


def _uncovered(years: list[int] | None) -> tuple[str, ...]:
    """Flags for the years a clock's deadlines reached that its calendar does not cover."""
    return tuple(UNCOVERED.format(year=year) for year in years or ())


@dataclass(frozen=True)
class Entry:
    """One line of the ledger."""

    at: datetime
    recorded_at: datetime
    kind: str
    clock: str | None
    actor: str
    cause: str | None
    detail: dict[str, Any] = field(default_factory=dict)
    flags: tuple[str, ...] = ()


def _facts(e: Any) -> tuple[datetime, str, dict[str, Any]] | None:
    kinds = {
        ComplaintSla.Opened: lambda: (e.received_at, "received", {
            "channel": e.channel, "customer_tier": e.customer_tier,
            "region": getattr(e, "region", None), "historical": e.historical,
            "policy": f"{e.policy_id}@{e.policy_version}"}),
        ComplaintSla.Classified: lambda: (e.at, "classified", {
            "severity": e.severity, "category": e.category}),
        ComplaintSla.MilestoneReached: lambda: (e.at, e.milestone, {}),
        ComplaintSla.WaitStarted: lambda: (e.at, "waiting_on_customer", {"reason": e.reason}),
        ComplaintSla.WaitEnded: lambda: (e.at, "customer_replied", {}),
        ComplaintSla.Reopened: lambda: (e.at, "reopened", {"reason": e.reason}),
        ComplaintSla.Rebased: lambda: (e.timestamp, "policy_rebased", {
            "policy": f"{e.policy_id}@{e.policy_version}"}),
    }
    make = kinds.get(type(e))
    return make() if make else None


class _Clocks:
    """What the ledger needs to remember while reading: each clock's allowed time and share."""

    def __init__(self) -> None:
        self.allowed: dict[str, tuple[int, float]] = {}

    def entry(self, e: Any) -> tuple[datetime, str, str, dict[str, Any], tuple[str, ...]] | None:
        if isinstance(e, ComplaintSla.ClockStarted):
            c = e.clock
            self.allowed[c["key"]] = (c["allowed_us"], c["gaming_share"])
            return c["started_at"], "started", c["key"], {
                "target": c["target"], "regime": c["regime"], "severity": c["severity"],
                "run": c["run"], "policy": f"{c['policy_id']}@{c['policy_version']}",
                "calendar": f"{c['calendar_id']}@{c['calendar_version']}",
                "allowed_seconds": c["allowed_us"] / 1e6, "deadline_at": c["due"].get("breach"),
                "warn_at": c["due"].get("warning")}, _uncovered(c.get("uncovered_years"))
        if isinstance(e, ComplaintSla.ClockPaused):
            return e.paused_at, "paused", e.key, {"reason": e.reason}, ()
        if isinstance(e, ComplaintSla.ClockResumed):
            allowed_us, share = self.allowed.get(e.key, (0, 1.0))
            flags = (GAMING,) if allowed_us and e.paused_us > share * allowed_us else ()
            return e.resumed_at, "resumed", e.key, {
                "paused_seconds": e.paused_us / 1e6, "deadline_at": e.deadline_at,
            }, flags + _uncovered(getattr(e, "uncovered_years", None))
        if isinstance(e, ComplaintSla.ClockRebased):
            ch = e.changes
            self.allowed[e.key] = (ch["allowed_us"], ch["gaming_share"])
            return e.at, "rebased", e.key, {
                "trigger": e.trigger, "reason": e.reason, "approval_id": e.approval_id,
                "severity": ch["severity"], "policy": f"{ch['policy_id']}@{ch['policy_version']}",
                "calendar": f"{ch['calendar_id']}@{ch['calendar_version']}",
                "previous_deadline_at": e.previous_deadline_at, "deadline_at": e.deadline_at,
            }, _uncovered(ch.get("uncovered_years"))
        if isinstance(e, ComplaintSla.AlarmFired):
            kind = e.alarm.split(":")[0]
            detail = {"share": e.share, "deadline_at": e.deadline_at}
            if kind == "escalation":
                detail["level"] = e.alarm.split(":")[1]
            return e.at, kind, e.key, detail, ()
        if isinstance(e, ComplaintSla.ClockStopped):
            return e.stopped_at, "stopped", e.key, {
                "reason": e.reason, "met": e.met,
                "outcome": getattr(e, "outcome", None)
                or outcome_before_it_was_published(e.reason, e.met),
                "summary_resolution": e.summary_resolution}, ()
        return None


def ledger(events: Iterable[Any]) -> list[Entry]:
    """The ledger of a complaint from its stored SLA events, in the order they were recorded."""
    clocks, entries = _Clocks(), []
    for e in events:
        fact = _facts(e)
        if fact is not None:
            at, kind, detail = fact
            entries.append(Entry(at, e.timestamp, kind, None, e.actor if hasattr(e, "actor")
                                 else "system", getattr(e, "cause", None), detail))
            continue
        change = clocks.entry(e)
        if change is not None:
            at, kind, key, detail, flags = change
            entries.append(Entry(at, e.timestamp, kind, key, e.actor, e.cause, detail, flags))
    return entries
