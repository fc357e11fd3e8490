"""Rehearse a draft SLA policy or calendar: had it been in force, what would have breached?
Replays past complaints under both (the shape every service's rehearse tool shares:
runtime.rehearsal).

    python -m services.sla.tools.rehearse --draft draft.yaml [--tenant T]
        [--calendar draft-calendar.yaml ...] [--baseline-policy current.yaml]
        [--events history.jsonl | --store URL] [--until 2025-06-30T00:00:00Z] [--json]

Facts come from the SLA event store (DATABASE_URL / DATA_DIR, as the service uses them) or from
a JSONL file of envelopes as published on the topics. The baseline is the policy in force
(SLA_POLICY_FILE) unless another is named. With --tenant, only that tenant's complaints are
replayed, the baseline is the policy that tenant's clocks start under (its own, named in
SLA_TENANTS_FILE, or the default) and the draft stands in for it. Nothing is written anywhere.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from runtime import cli, rehearsal
from runtime.eventstore import persistence_env
from services.sla import replay
from services.sla.application import SlaApplication
from services.sla.catalog import (
    CalendarFile,
    Catalog,
    Document,
    calendar_document,
    read_documents,
    read_yaml,
    tenants_document,
)
from services.sla.config import SlaSettings
from services.sla.facts import Fact
from services.sla.tenants import Tenants
from services.sla.timers import TOPIC_PREFIX
from services.sla.timesource import SystemClock


@dataclass(frozen=True)
class Files:
    """Where the service's policy files are, as SLA reads them."""

    calendar_dir: Path
    tenants_file: Path
    policy_file: Path
    policy_dir: Path


def catalog_of(policy: Path, calendar_dir: Path, calendars: Sequence[Path] = (),
               tenants: Document | None = None, policy_dir: Path | None = None) -> Catalog:
    """A catalog with a policy (the default), the calendars of a directory, drafts of
    calendars on top, and who the tenants are."""
    catalog = Catalog()
    documents = read_documents(policy, [calendar_dir], tenants_file=None, policy_dir=policy_dir)
    drafts = [calendar_document(read_yaml(path, CalendarFile)) for path in calendars]
    drafted = {d.doc_id for d in drafts}
    catalog.activate([d for d in documents if d.doc_id not in drafted or d.kind == "policy"]
                     + drafts + ([tenants] if tenants is not None else []))
    return catalog


def alone_on_the_default(tenants_file: Path, tenant: str) -> Document:
    """The tenants file with `tenant` alone, running the catalog's default policy (a draft
    stands in for its own); its jurisdiction, industry and the regions stay as declared."""
    data = read_yaml(tenants_file, Tenants)
    declared = Tenants.model_validate(data)
    profile = declared.profile(tenant)
    own = {tenant: profile.model_dump(exclude={"policy"})} if profile is not None else {}
    return tenants_document({**data, "version": f"{declared.version}+{tenant}", "tenants": own})


def catalogs(args: argparse.Namespace, files: Files) -> tuple[Catalog, Catalog]:
    """The baseline and the draft catalogs: of every tenant, or of --tenant alone."""
    if args.tenant is None:
        tenants = tenants_document(read_yaml(files.tenants_file, Tenants))
        baseline = catalog_of(args.baseline_policy or files.policy_file, files.calendar_dir,
                              tenants=tenants)
        return baseline, catalog_of(args.draft, files.calendar_dir, args.calendar, tenants)
    alone = alone_on_the_default(files.tenants_file, args.tenant)
    if args.baseline_policy is not None:
        baseline = catalog_of(args.baseline_policy, files.calendar_dir, tenants=alone)
    else:  # the tenant's policy in force: its own, or the default
        baseline = catalog_of(files.policy_file, files.calendar_dir,
                              tenants=tenants_document(read_yaml(files.tenants_file, Tenants)),
                              policy_dir=files.policy_dir)
    return baseline, catalog_of(args.draft, files.calendar_dir, args.calendar, alone)


def policy_key(catalog: Catalog, tenant: str | None) -> str:
    """`id@version` of the policy the tenant's clocks start under in the catalog."""
    policy = catalog.active_policy(tenant)
    return f"{policy.policy_id}@{policy.version}"


def facts_from_store(url: str) -> list[Fact]:
    """Facts recorded in an SLA event store (read only)."""
    app = SlaApplication(env=persistence_env(url), catalog=Catalog(), time=SystemClock(),
                         source="/what-if")
    try:
        ids, position = [], 0
        while batch := app.recorder.select_notifications(position, 500,
                                                         inclusive_of_start=False):
            ids += [n.originator_id for n in batch if n.topic.startswith(TOPIC_PREFIX)]
            position = batch[-1].id
        facts: list[Fact] = []
        for sla_id in dict.fromkeys(ids):
            facts += replay.facts_from_events(app.events.get(sla_id))
        return facts
    finally:
        app.close()


def main(argv: Sequence[str] | None = None) -> int:
    """Command line entry point."""
    settings = SlaSettings()
    parser = rehearsal.parser("services.sla", __doc__, draft="the draft policy file",
                              old_flag="--policy", store=settings.event_store_url)
    parser.add_argument("--calendar", type=Path, action="append", default=[],
                        help="a draft calendar file (repeatable); replaces the same id")
    parser.add_argument("--baseline-policy", type=Path,
                        help="default: the policy in force (SLA_POLICY_FILE; with --tenant, "
                        "that tenant's)")
    parser.add_argument("--calendar-dir", type=Path, default=settings.sla_calendar_dir)
    parser.add_argument("--tenants-file", type=Path, default=settings.sla_tenants_file)
    parser.add_argument("--policy-dir", type=Path, default=settings.sla_policy_dir,
                        help="tenants' own policies")
    parser.add_argument("--events", help="JSONL file of published envelopes (instead of the "
                        "store)")
    parser.add_argument("--until", type=datetime.fromisoformat,
                        help="judge running clocks at this instant (default: now)")
    args = parser.parse_args(argv)

    until = args.until or datetime.now(UTC)
    if until.tzinfo is None:
        parser.error("--until needs a UTC offset, e.g. 2025-06-30T00:00:00Z")
    facts = replay.read_jsonl(args.events) if args.events else facts_from_store(args.store)
    if args.tenant is not None:
        facts = [fact for fact in facts if fact.tenant == args.tenant]
    baseline, draft = catalogs(args, Files(args.calendar_dir, args.tenants_file,
                                           settings.sla_policy_file, args.policy_dir))
    report = replay.compare(
        replay.tally(replay.replay(facts, baseline, until)),
        replay.tally(replay.replay(facts, draft, until)),
    )
    report["baseline_policy"] = policy_key(baseline, args.tenant)
    report["draft_policy"] = policy_key(draft, args.tenant)
    if args.tenant is not None:
        report["tenant"] = args.tenant
    report["until"] = until.isoformat()
    rehearsal.write(report, sys.stdout, as_json=args.json, render=render)
    return 0


def render(report: dict[str, Any], out: TextIO) -> None:
    """The comparison as text: which policies, then the table."""
    out.write(f"baseline {report['baseline_policy']}  draft {report['draft_policy']}"
              f"  until {report['until']}\n")
    out.write(replay.render(report))


if __name__ == "__main__":
    cli.run(main, OSError, ValueError)  # unreadable or invalid files
