"""The roster file: departments, queues, agents; mistakes are named by line and reason."""

from __future__ import annotations

import textwrap

import pytest

from contracts.dispatch import AssignmentStrategy
from contracts.sla import EscalationLevel
from runtime.yaml_nodes import ConfigFileError
from services.dispatch.roster import parse_roster

from .conftest import ROSTER

HEAD = """\
executive: ceo
departments:
  service: {supervisor: s, team_lead: l, head: h}
  other: {supervisor: s2, team_lead: l2, head: h2}
queues:
  general: {department: service}
  elsewhere: {department: other, strategy: round_robin}
"""


def test_the_roster_gives_queues_agents_and_escalation_owners():
    roster = parse_roster(textwrap.dedent(ROSTER).encode(), source="roster.yaml")

    assert roster.queues["general"].strategy == AssignmentStrategy.ROUND_ROBIN
    assert roster.queues["billing"].strategy == AssignmentStrategy.SKILL_BASED
    assert [a.id for a in roster.agents_of("billing")] == ["ana", "bo"]
    assert (roster.agents["fay"].department, roster.agents["fay"].on_shift) == ("fraud", True)
    assert roster.agents["ana"].languages == frozenset({"en"})
    assert [roster.escalation_owner("fraud", level) for level in EscalationLevel] == [
        "lead-fraud", "head-fraud", "exec-1"
    ]
    assert roster.escalation_owners() == frozenset({
        "exec-1", "sup-service", "lead-service", "head-service", "sup-fraud", "lead-fraud",
        "head-fraud",
    })


@pytest.mark.parametrize(("tail", "line", "reason"), [
    ("agents:\n  - {id: a, queues: [nowhere], capacity: 1}\n", 9,
     "agent a: queue 'nowhere' is not declared"),
    ("agents:\n  - {id: a, queues: [general, elsewhere], capacity: 1}\n", 9,
     "agent a: serves queues of several departments (other, service); an agent belongs to "
     "one department"),
    ("agents:\n  - {id: a, queues: [general]}\n", 9, "agent a: 'capacity' is required"),
    ("agents:\n  - {id: a, queues: [general], capacity: 1, on_shift: maybe}\n", 9,
     "agent a: on_shift must be true or false, got 'maybe'"),
    ("agents:\n  - {id: a, queues: [general], capacity: 1}\n"
     "  - {id: a, queues: [general], capacity: 2}\n", 10, "agent 'a' is listed twice"),
])
def test_an_invalid_roster_is_rejected_with_the_line_and_reason(tail, line, reason):
    with pytest.raises(ConfigFileError) as raised:
        parse_roster((HEAD + tail).encode(), source="roster.yaml")

    assert (raised.value.line, raised.value.reason) == (line, reason)


@pytest.mark.parametrize(("old", "new", "error"), [
    ("elsewhere: {department: other, strategy: round_robin}", "elsewhere: {department: legal}",
     "roster.yaml:7: queue elsewhere: department 'legal' is not declared"),
    ("strategy: round_robin", "strategy: lottery",
     "roster.yaml:7: queue elsewhere: strategy: 'lottery' is not one of round_robin, "
     "skill_based"),
])
def test_a_queue_of_an_undeclared_department_or_strategy_is_rejected(old, new, error):
    with pytest.raises(ConfigFileError) as raised:
        parse_roster(HEAD.replace(old, new).encode(), source="roster.yaml")

    assert str(raised.value) == error
