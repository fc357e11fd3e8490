"""What if a draft policy or calendar had been in force? Replays past complaints under both.

    python -m services.sla.whatif --policy draft.yaml [--calendar draft-calendar.yaml ...]
        [--baseline-policy current.yaml] [--events history.jsonl | --store URL]
        [--until 2025-06-30T00:00:00Z] [--json]

Facts come from the SLA event store (DATABASE_URL / DATA_DIR, as the service uses them) or from
a JSONL file of envelopes as published on the topics. The baseline is the policy in force
(SLA_POLICY_FILE) unless another is named. Nothing is written anywhere.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from runtime import cli
from runtime.eventstore import persistence_env
from services.sla import replay
from services.sla.application import SlaApplication
from services.sla.catalog import (
    Catalog,
    calendar_document,
    read_documents,
    read_yaml,
)
from services.sla.config import SlaSettings
from services.sla.facts import Fact
from services.sla.timers import TOPIC_PREFIX
from services.sla.timesource import SystemClock


def catalog_of(policy: Path, calendar_dir: Path, calendars: Sequence[Path] = ()) -> Catalog:
    """A catalog with a policy and the calendars of a directory, drafts of calendars on top."""
    catalog = Catalog()
    documents = read_documents(policy, [calendar_dir])
    drafts = [calendar_document(read_yaml(path)) for path in calendars]
    drafted = {d.doc_id for d in drafts}
    catalog.activate([d for d in documents if d.doc_id not in drafted or d.kind == "policy"]
                     + drafts)
    return catalog


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
    parser = argparse.ArgumentParser(prog="python -m services.sla.whatif", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--policy", type=Path, required=True, help="the draft policy file")
    parser.add_argument("--calendar", type=Path, action="append", default=[],
                        help="a draft calendar file (repeatable); replaces the same id")
    parser.add_argument("--baseline-policy", type=Path, default=settings.sla_policy_file)
    parser.add_argument("--calendar-dir", type=Path, default=settings.sla_calendar_dir)
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--events", help="JSONL file of published envelopes")
    source.add_argument("--store", default=settings.event_store_url,
                        help="SLA event store URL (default: the service's)")
    parser.add_argument("--until", type=datetime.fromisoformat,
                        help="judge running clocks at this instant (default: now)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = parser.parse_args(argv)

    until = args.until or datetime.now(UTC)
    if until.tzinfo is None:
        parser.error("--until needs a UTC offset, e.g. 2025-06-30T00:00:00Z")
    facts = replay.read_jsonl(args.events) if args.events else facts_from_store(args.store)
    baseline = catalog_of(args.baseline_policy, args.calendar_dir)
    draft = catalog_of(args.policy, args.calendar_dir, args.calendar)
    report = replay.compare(
        replay.tally(replay.replay(facts, baseline, until)),
        replay.tally(replay.replay(facts, draft, until)),
    )
    report["baseline_policy"] = "{}@{}".format(*baseline.active_policy_key)
    report["draft_policy"] = "{}@{}".format(*draft.active_policy_key)
    report["until"] = until.isoformat()
    if args.json:
        sys.stdout.write(replay.dumps(report))
    else:
        sys.stdout.write(f"baseline {report['baseline_policy']}  draft {report['draft_policy']}"
                         f"  until {report['until']}\n")
        sys.stdout.write(replay.render(report))
    return 0


if __name__ == "__main__":
    cli.run(main, OSError, ValueError)  # unreadable or invalid files
