"""Rehearse a draft routing rule set: where it would have routed past complaints, before it
goes live (the shape every service's rehearse tool shares: runtime.rehearsal).

    python -m services.dispatch.tools.rehearse --draft draft.yaml [--tenant T]
        [--store sqlite:///...] [--roster roster.yaml] [--json]

Reads the facts each complaint of one tenant (the deployment's TENANT unless --tenant names
another) was routed on from dispatch's own event store (the Routed events of its Assignment),
routes them again with the draft, and reports the counts per queue (what happened vs the draft)
and every complaint the draft would send elsewhere. The draft may name the queues of that
tenant's roster. Read only.
"""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TextIO
from urllib.parse import urlparse

from runtime import rehearsal
from runtime.eventstore import persistence_env
from runtime.yaml_nodes import ConfigFileError
from services.dispatch.application import DispatchApplication
from services.dispatch.config import DispatchSettings
from services.dispatch.domain import Assignment
from services.dispatch.roster import parse_roster
from services.dispatch.rule_file import parse_rules
from services.dispatch.ruleset import Facts, RuleSet
from services.dispatch.tenancy import ROSTER_FILE

PAGE = 1000


@dataclass(frozen=True)
class Routed:
    """How a complaint was routed when it was classified."""

    complaint_id: str
    facts: Facts
    rule_id: str
    queue: str
    rule_set_version: str


@dataclass(frozen=True)
class Change:
    complaint_id: str
    current_queue: str
    current_rule: str
    draft_queue: str
    draft_rule: str


@dataclass(frozen=True)
class QueueCount:
    queue: str
    current: int
    draft: int


@dataclass(frozen=True)
class ShadowReport:
    draft_version: str
    draft_hash: str
    complaints: int
    queues: list[QueueCount]
    changed: list[Change]
    tenant: str | None = None  # whose complaints were replayed


def shadow(routed: Iterable[Routed], draft: RuleSet) -> ShadowReport:
    """Route every past complaint with the draft and compare with what happened."""
    current: Counter[str] = Counter()
    drafted: Counter[str] = Counter()
    changed = []
    total = 0
    for past in routed:
        total += 1
        decision = draft.route(past.facts)
        current[past.queue] += 1
        drafted[decision.queue] += 1
        if decision.queue != past.queue:
            changed.append(Change(
                past.complaint_id, past.queue, past.rule_id, decision.queue, decision.rule_id
            ))
    queues = [QueueCount(q, current[q], drafted[q]) for q in sorted(current.keys() | drafted)]
    return ShadowReport(draft.version, draft.content_hash, total, queues, changed)


def routed_history(app: DispatchApplication, tenant: str) -> Iterator[Routed]:
    """Every complaint of the tenant's first routing, in the order it happened."""
    complaints: dict[object, str] = {}
    seen: set[object] = set()
    start = None
    while notifications := app.recorder.select_notifications(start, PAGE):
        for notification in notifications:
            if not notification.topic.startswith(f"{Assignment.__module__}:Assignment."):
                continue
            stored = app.mapper.to_domain_event(notification)
            if isinstance(stored, Assignment.Opened):
                if stored.tenant == tenant:
                    complaints[stored.originator_id] = stored.complaint_id
            elif (isinstance(stored, Assignment.Routed) and stored.originator_id in complaints
                  and stored.originator_id not in seen):
                seen.add(stored.originator_id)
                yield Routed(
                    complaints[stored.originator_id], Facts.from_dict(stored.facts),
                    stored.rule_id, stored.queue, stored.rule_set_version,
                )
        start = notifications[-1].id + 1


def render(report: ShadowReport, out: TextIO) -> None:
    """The report as text: counts per queue, then the complaints that would move."""
    out.write(
        f"Draft rules {report.draft_version} (sha256 {report.draft_hash[:12]}) over "
        f"{report.complaints} routed complaints of {report.tenant}: {len(report.changed)} "
        "would go elsewhere.\n\n"
    )
    width = max([len("queue"), *(len(q.queue) for q in report.queues)])
    out.write(f"{'queue':<{width}}  current    draft   change\n")
    for q in report.queues:
        out.write(f"{q.queue:<{width}}  {q.current:>7}  {q.draft:>7}  {q.draft - q.current:>+7}\n")
    if report.changed:
        out.write("\ncomplaint: current queue (rule) -> draft queue (rule)\n")
        for c in report.changed:
            out.write(
                f"{c.complaint_id}: {c.current_queue} ({c.current_rule}) -> "
                f"{c.draft_queue} ({c.draft_rule})\n"
            )


def open_store(url: str) -> DispatchApplication:
    """Dispatch's event store, read as it is (no table is created)."""
    parsed = urlparse(url)
    if parsed.scheme == "sqlite" and not Path(persistence_env(url)["SQLITE_DBNAME"]).is_file():
        raise FileNotFoundError(f"no dispatch event store at {url}")
    return DispatchApplication(env={**persistence_env(url), "CREATE_TABLE": "no"})


def roster_of(tenant: str, settings: DispatchSettings) -> Path:
    """Where dispatch reads the tenant's roster: ROSTER_PATH for TENANT, else its folder."""
    if tenant == settings.tenant:
        return settings.roster_path
    return settings.dispatch_tenants_dir / tenant / ROSTER_FILE


def main(argv: list[str] | None = None, out: TextIO = sys.stdout, err: TextIO = sys.stderr) -> int:
    """Command line entry point: 0 with a report, 2 when the draft or the store is unusable."""
    settings = DispatchSettings()
    parser = rehearsal.parser("services.dispatch", __doc__, draft="the draft rule file",
                              old_flag="--rules", store=settings.event_store_url,
                              store_flag="--url", tenant=settings.tenant)
    parser.add_argument("--roster", type=Path, help="roster whose queues the draft may name "
                        "(default: the tenant's, as dispatch reads it)")
    args = parser.parse_args(argv)
    roster_path = args.roster or roster_of(args.tenant, settings)
    try:
        roster = parse_roster(roster_path.read_bytes(), source=roster_path.name)
        draft = parse_rules(
            args.draft.read_bytes(), source=args.draft.name, known_queues=roster.queues
        )
        app = open_store(args.store)
    except (ConfigFileError, OSError) as error:
        err.write(f"{error}\n")
        return 2
    try:
        report = replace(shadow(routed_history(app, args.tenant), draft), tenant=args.tenant)
    finally:
        app.close()
    rehearsal.write(report, out, as_json=args.json, render=render)
    return 0


if __name__ == "__main__":
    sys.exit(main())
