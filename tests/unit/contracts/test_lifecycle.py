"""The complaint's one lifecycle status: what each stage's events say, and that the answer does
not depend on how the stages' topics interleave."""

from __future__ import annotations

import itertools
import json
import random
from pathlib import Path

import pytest

from contracts.lifecycle import ComplaintStatus, Stage, current_status, status_set_by
from contracts.registry import parse

SAMPLES = Path(__file__).resolve().parents[3] / "contracts" / "samples"


def sample(event_type: str, **data) -> object:
    raw = json.loads((SAMPLES / f"{event_type}.json").read_text())
    raw["data"].update(data)
    return parse(raw)[1]


def fold(events) -> ComplaintStatus | None:
    by_stage: dict[Stage, ComplaintStatus] = {}
    for event in events:
        if (said := status_set_by(event)) is not None:
            by_stage[said[0]] = said[1]
    return current_status(by_stage)


INTAKE = [sample("complaint.received.v1"), sample("complaint.classified.v1")]
DISPATCH_QUEUED_THEN_ASSIGNED = [sample("complaint.queued.v1"),
                                 sample("complaint.assigned.v1", agent_id="agent-7")]
RESOLUTION_TO_REOPEN = [
    sample("resolution.case_opened.v1"), sample("resolution.investigation_started.v1"),
    sample("resolution.customer_wait_started.v1"), sample("resolution.customer_replied.v1"),
    sample("resolution.resolution_executed.v1"), sample("complaint.closed.v1"),
    sample("complaint.reopened.v1"),
]


@pytest.mark.parametrize(("events", "status"), [
    ([], None),
    (INTAKE[:1], "received"),
    (INTAKE, "received"),
    ([*INTAKE, sample("complaint.duplicate_marked.v1")], "duplicate"),
    ([INTAKE[0], sample("complaint.history_recorded.v1", company_response="In progress")],
     "in_progress"),
    ([INTAKE[0], sample("complaint.history_recorded.v1", company_response="Closed")], "closed"),
    ([*INTAKE, DISPATCH_QUEUED_THEN_ASSIGNED[0]], "queued"),
    ([*INTAKE, sample("complaint.assigned.v1", agent_id=None)], "queued"),
    ([*INTAKE, *DISPATCH_QUEUED_THEN_ASSIGNED], "assigned"),
    ([*INTAKE, *DISPATCH_QUEUED_THEN_ASSIGNED, RESOLUTION_TO_REOPEN[0]], "assigned"),
    ([*INTAKE, *DISPATCH_QUEUED_THEN_ASSIGNED, *RESOLUTION_TO_REOPEN[:2]], "investigating"),
    ([*INTAKE, *DISPATCH_QUEUED_THEN_ASSIGNED, *RESOLUTION_TO_REOPEN[:3]],
     "waiting_on_customer"),
    ([*INTAKE, *DISPATCH_QUEUED_THEN_ASSIGNED, *RESOLUTION_TO_REOPEN[:4]], "investigating"),
    ([*INTAKE, *DISPATCH_QUEUED_THEN_ASSIGNED, *RESOLUTION_TO_REOPEN[:5]], "resolved"),
    ([*INTAKE, *DISPATCH_QUEUED_THEN_ASSIGNED, *RESOLUTION_TO_REOPEN[:6]], "closed"),
    ([*INTAKE, *DISPATCH_QUEUED_THEN_ASSIGNED, *RESOLUTION_TO_REOPEN], "reopened"),
    # Dispatch gives the reopened complaint back to its owner: it is still reopened.
    ([*INTAKE, *DISPATCH_QUEUED_THEN_ASSIGNED, *RESOLUTION_TO_REOPEN,
      sample("complaint.assigned.v1", agent_id="agent-7")], "reopened"),
    ([*INTAKE, *DISPATCH_QUEUED_THEN_ASSIGNED, *RESOLUTION_TO_REOPEN,
      sample("resolution.investigation_started.v1")], "investigating"),
    ([*INTAKE, sample("complaint.transferred.v1", to_agent_id=None)], "queued"),
    ([*INTAKE, sample("complaint.transferred.v1", to_agent_id="agent-9")], "assigned"),
])
def test_status_after_the_events(events, status):
    assert fold(events) == status


def test_the_status_does_not_depend_on_how_the_stages_topics_interleave():
    stages = [INTAKE, DISPATCH_QUEUED_THEN_ASSIGNED, RESOLUTION_TO_REOPEN]
    expected = fold(itertools.chain(*stages))
    rng = random.Random(7)
    for _ in range(200):
        queues = [list(stage) for stage in stages]
        merged = []
        while any(queues):
            merged.append(rng.choice([q for q in queues if q]).pop(0))
        assert fold(merged) == expected == "reopened"


def test_events_that_say_nothing_of_the_status():
    for event_type in ("complaint.classified.v1", "resolution.case_opened.v1",
                       "sla.clock_started.v1", "resolution.investigation_note_added.v1"):
        assert status_set_by(sample(event_type)) is None
