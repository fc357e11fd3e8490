"""The roster: departments and their escalation owners, queues, and agents (configuration).

    executive: exec-01                 # last step of the SLA escalation chain
    departments:
      billing:
        supervisor: sup-billing        # takes complaints past the transfer cap
        team_lead: lead-billing        # SLA escalation, first level
        head: head-billing             # SLA escalation, second level
    queues:
      refunds: {department: billing, strategy: skill_based}   # or round_robin
    agents:
      - id: agent-01
        queues: [refunds]              # all in one department
        skills: [refunds]
        languages: [en, zh]
        capacity: 5                    # open complaints at once
        on_shift: true

Shift and capacity change at run time through the API; those changes are events of the
department's Desk and override the values here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from pydantic import Field

from contracts.dispatch import AssignmentStrategy
from contracts.sla import EscalationLevel
from services.dispatch.config_files import OneOrMore, Read, Section, Text, named, read


@dataclass(frozen=True)
class Department:
    name: str
    supervisor: str
    team_lead: str
    head: str


@dataclass(frozen=True)
class Queue:
    name: str
    department: str
    strategy: AssignmentStrategy


@dataclass(frozen=True)
class Agent:
    id: str
    department: str
    queues: tuple[str, ...]
    skills: frozenset[str]
    languages: frozenset[str]
    capacity: int
    on_shift: bool

    def has_skills(self, skills: tuple[str, ...]) -> bool:
        return set(skills) <= self.skills

    def speaks(self, language: str | None) -> bool:
        """An agent with no languages listed takes any; an unknown language suits anyone."""
        return language is None or not self.languages or language.casefold() in self.languages


@dataclass(frozen=True)
class Roster:
    departments: dict[str, Department]
    queues: dict[str, Queue]
    agents: dict[str, Agent]
    executive: str

    def agents_of(self, queue: str) -> list[Agent]:
        """The agents serving a queue, in roster order (round robin follows it)."""
        return [agent for agent in self.agents.values() if queue in agent.queues]

    def department_agents(self, department: str) -> list[Agent]:
        return [agent for agent in self.agents.values() if agent.department == department]

    def escalation_owners(self) -> frozenset[str]:
        """Everyone who takes complaints outside the queues: supervisors, leads, heads."""
        people = {self.executive}
        for department in self.departments.values():
            people |= {department.supervisor, department.team_lead, department.head}
        return frozenset(people)

    def escalation_owner(self, department: str, level: EscalationLevel) -> str:
        """Who owns a complaint of this department once escalated to `level`."""
        owners = {
            EscalationLevel.TEAM_LEAD: self.departments[department].team_lead,
            EscalationLevel.DEPARTMENT_HEAD: self.departments[department].head,
            EscalationLevel.EXECUTIVE: self.executive,
        }
        return owners[level]


def parse_roster(content: bytes, *, source: str) -> Roster:
    """The roster in `content`; ConfigFileError names the line and reason of a mistake."""
    file = read(content, source, RosterFile, _owner)
    departments = {
        name: Department(name, entry.supervisor, entry.team_lead, entry.head)
        for name, entry in file.model.departments.items()
    }
    queues = {name: _queue(file, name, entry) for name, entry in file.model.queues.items()}
    agents: dict[str, Agent] = {}
    for index in range(len(file.model.agents)):
        agent = _agent(file, index, queues)
        if agent.id in agents:
            raise file.mistake(("agents", index), f"agent {agent.id!r} is listed twice")
        agents[agent.id] = agent
    return Roster(departments=departments, queues=queues, agents=agents,
                  executive=file.model.executive)


class DepartmentEntry(Section):
    supervisor: Text
    team_lead: Text
    head: Text


class QueueEntry(Section):
    department: Text
    strategy: Literal["skill_based", "round_robin"] = "skill_based"


class AgentEntry(Section):
    id: Text
    queues: OneOrMore[Text]
    skills: OneOrMore[Text] = ()
    languages: OneOrMore[Text] = ()
    capacity: int = Field(ge=0)
    on_shift: bool = True


class RosterFile(Section):
    executive: Text
    departments: dict[str, DepartmentEntry]
    queues: dict[str, QueueEntry]
    agents: tuple[AgentEntry, ...] = ()


def _owner(loc: tuple[Any, ...], data: Any) -> tuple[str, type[Section], tuple[Any, ...]]:
    match loc:
        case ("departments", str(name), *rest):
            return f"department {name}", DepartmentEntry, tuple(rest)
        case ("queues", str(name), *rest):
            return f"queue {name}", QueueEntry, tuple(rest)
        case ("agents", int(index), *rest):
            return named("agent", data["agents"][index]), AgentEntry, tuple(rest)
    return "roster", RosterFile, loc


def _queue(file: Read[RosterFile], name: str, entry: QueueEntry) -> Queue:
    if entry.department not in file.model.departments:
        raise file.mistake(("queues", name, "department"),
                           f"queue {name}: department {entry.department!r} is not declared")
    return Queue(name=name, department=entry.department,
                 strategy=AssignmentStrategy(entry.strategy))


def _agent(file: Read[RosterFile], index: int, queues: dict[str, Queue]) -> Agent:
    entry = file.model.agents[index]
    for queue in entry.queues:
        if queue not in queues:
            raise file.mistake(("agents", index, "queues"),
                               f"agent {entry.id}: queue {queue!r} is not declared")
    departments = {queues[queue].department for queue in entry.queues}
    if len(departments) > 1:
        raise file.mistake(
            ("agents", index, "queues"),
            f"agent {entry.id}: serves queues of several departments "
            f"({', '.join(sorted(departments))}); an agent belongs to one department",
        )
    return Agent(
        id=entry.id, department=departments.pop(), queues=entry.queues,
        skills=frozenset(entry.skills),
        languages=frozenset(language.casefold() for language in entry.languages),
        capacity=entry.capacity, on_shift=entry.on_shift,
    )
