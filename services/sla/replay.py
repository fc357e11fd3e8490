"""Replays complaints' facts under a policy and counts what would have breached.

The same lifecycle rules as the live service run over in-memory aggregates, with time taken
from the facts themselves: each fact is applied at its own instant, alarms fire in between,
and whatever is still running is judged at `until`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from contracts.envelope import event_id
from contracts.registry import UnknownEventType, parse
from services.sla.catalog import Catalog
from services.sla.clocks import BREACH
from services.sla.domain import ComplaintSla
from services.sla.facts import FACTS, REPLAYED_SLA_FACTS, Fact
from services.sla.lifecycle import Lifecycle

NOT_A_TARGET = "no longer a target"


def facts_from_jsonl(lines: Iterable[str]) -> Iterator[Fact]:
    """Facts told by a JSONL file of envelopes; lines of other types are skipped."""
    for line in lines:
        if not line.strip():
            continue
        try:
            envelope, event = parse(line)
        except (UnknownEventType, ValidationError):
            continue
        to_fact = FACTS.get(type(event)) or REPLAYED_SLA_FACTS.get(type(event))
        fact = to_fact(envelope, event) if to_fact else None
        if fact is not None:
            yield fact


def facts_from_events(events: Iterable[Any]) -> Iterator[Fact]:
    """Facts as the SLA event store recorded them (its own decisions are left out)."""
    tenant, complaint = "default", ""
    for e in events:
        if isinstance(e, ComplaintSla.Registered):
            tenant, complaint = e.tenant, e.complaint_id
            continue
        fact = _STORED.get(type(e))
        if fact is not None:
            kind, at, data = fact(e)
            yield Fact(kind, complaint, tenant, at, e.actor, data)


_STORED = {
    ComplaintSla.Opened: lambda e: ("received", e.received_at, {
        "channel": e.channel, "customer_tier": e.customer_tier,
        "region": getattr(e, "region", None), "historical": e.historical}),
    ComplaintSla.Classified: lambda e: ("classified", e.at, {
        "severity": e.severity, "category": e.category}),
    ComplaintSla.MilestoneReached: lambda e: ("milestone", e.at, {"milestone": e.milestone}),
    ComplaintSla.WaitStarted: lambda e: ("wait", e.at, {"reason": e.reason}),
    ComplaintSla.WaitEnded: lambda e: ("reply", e.at, {}),
    ComplaintSla.Reopened: lambda e: ("reopened", e.at, {"reason": e.reason}),
}


def replay(facts: Iterable[Fact], catalog: Catalog, until: datetime) -> list[ComplaintSla]:
    """Each complaint's SLA after its facts, with every alarm due by `until` fired."""
    lifecycle = Lifecycle(catalog, lambda sla, seq: str(event_id("/what-if", sla.id, seq)))
    by_complaint: dict[str, list[tuple[int, Fact]]] = {}
    for n, fact in enumerate(facts):
        if fact.at <= until:
            by_complaint.setdefault(fact.complaint_id, []).append((n, fact))
    slas = []
    for complaint_id, numbered in by_complaint.items():
        numbered.sort(key=lambda item: (item[1].at, item[0]))
        sla = ComplaintSla(complaint_id=complaint_id, tenant=numbered[0][1].tenant)
        for _, fact in numbered:
            lifecycle.apply(sla, fact, cause=None, now=fact.at)
        lifecycle.fire_due(sla, until)
        slas.append(sla)
    return slas


@dataclass
class Tally:
    """Clock runs and how many of them breached."""

    clocks: int = 0
    breaches: int = 0

    @property
    def rate(self) -> float:
        return self.breaches / self.clocks if self.clocks else 0.0


@dataclass
class Outcome:
    complaints: int = 0
    by_severity: dict[str, Tally] = field(default_factory=dict)
    by_target: dict[str, Tally] = field(default_factory=dict)


def tally(slas: Iterable[ComplaintSla]) -> Outcome:
    """Breaches per (final) severity and per clock; clocks a reclassification made moot and
    the never-opened complaints are left out."""
    outcome = Outcome()
    for sla in slas:
        if not sla.opened or sla.historical:
            continue
        outcome.complaints += 1
        runs: dict[tuple[str, int], bool] = {}
        current: dict[str, int] = {}
        for e in sla.collect_events():
            if isinstance(e, ComplaintSla.ClockStarted):
                current[e.clock["key"]] = e.clock["run"]
                runs[e.clock["key"], e.clock["run"]] = False
            elif isinstance(e, ComplaintSla.AlarmFired) and e.alarm == BREACH:
                runs[e.key, current[e.key]] = True
            elif isinstance(e, ComplaintSla.ClockStopped) and e.reason.startswith(NOT_A_TARGET):
                runs.pop((e.key, current[e.key]), None)
        for (key, _), breached in runs.items():
            for name, table in ((sla.severity, outcome.by_severity), (key, outcome.by_target)):
                row = table.setdefault(name, Tally())
                row.clocks += 1
                row.breaches += breached
    return outcome


def compare(baseline: Outcome, draft: Outcome) -> dict[str, Any]:
    """Both outcomes side by side, per severity and per clock, as plain data."""
    def rows(base: dict[str, Tally], new: dict[str, Tally]) -> dict[str, Any]:
        out = {}
        for name in sorted(set(base) | set(new)):
            b, d = base.get(name, Tally()), new.get(name, Tally())
            out[name] = {"clocks": d.clocks, "baseline_breaches": b.breaches,
                         "baseline_rate": round(b.rate, 4), "draft_breaches": d.breaches,
                         "draft_rate": round(d.rate, 4), "change": d.breaches - b.breaches}
        return out

    total = (Tally(sum(t.clocks for t in baseline.by_severity.values()),
                   sum(t.breaches for t in baseline.by_severity.values())),
             Tally(sum(t.clocks for t in draft.by_severity.values()),
                   sum(t.breaches for t in draft.by_severity.values())))
    return {
        "complaints": draft.complaints,
        "by_severity": rows(baseline.by_severity, draft.by_severity),
        "by_clock": rows(baseline.by_target, draft.by_target),
        "total": rows({"total": total[0]}, {"total": total[1]})["total"],
    }


def render(report: dict[str, Any]) -> str:
    """A plain-text table of a comparison."""
    head = f"{'':<24}{'clocks':>7}{'breaches':>10}{'rate':>8}{'draft':>7}{'rate':>8}{'change':>8}"
    lines = [f"complaints replayed: {report['complaints']}", "", "by severity", head]

    def line(name: str, r: dict[str, Any]) -> str:
        return (f"{name:<24}{r['clocks']:>7}{r['baseline_breaches']:>10}"
                f"{r['baseline_rate']:>8.1%}{r['draft_breaches']:>7}{r['draft_rate']:>8.1%}"
                f"{r['change']:>+8}")

    lines += [line(name, r) for name, r in report["by_severity"].items()]
    lines += [line("total", report["total"]), "", "by clock", head]
    lines += [line(name, r) for name, r in report["by_clock"].items()]
    return "\n".join(lines) + "\n"


def read_jsonl(path: str) -> list[Fact]:
    """Facts from a JSONL file of envelopes (one per line)."""
    with open(path, encoding="utf-8") as lines:
        return list(facts_from_jsonl(lines))


def dumps(report: dict[str, Any]) -> str:
    return json.dumps(report, indent=2, sort_keys=True) + "\n"
