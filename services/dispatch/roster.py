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

from contracts.dispatch import AssignmentStrategy
from contracts.sla import EscalationLevel
from runtime.yaml_nodes import Node, load, optional, required

STRATEGIES = frozenset({AssignmentStrategy.SKILL_BASED, AssignmentStrategy.ROUND_ROBIN})


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
    root = load(content.decode("utf-8"), source)
    top = root.mapping("roster", allowed=frozenset({"executive", "departments", "queues",
                                                     "agents"}))
    executive = required(root, top, "executive", "roster").text("executive")
    departments = {
        name: _department(name, node)
        for name, node in required(root, top, "departments", "roster")
        .mapping("departments").items()
    }
    queues = {
        name: _queue(name, node, departments)
        for name, node in required(root, top, "queues", "roster").mapping("queues").items()
    }
    agents: dict[str, Agent] = {}
    for node in optional(top, "agents", lambda n: n.sequence("agents"), []):
        agent = _agent(node, queues)
        if agent.id in agents:
            raise node.fail(f"agent {agent.id!r} is listed twice")
        agents[agent.id] = agent
    return Roster(departments=departments, queues=queues, agents=agents, executive=executive)


def _department(name: str, node: Node) -> Department:
    fields = node.mapping(
        f"department {name}", allowed=frozenset({"supervisor", "team_lead", "head"})
    )
    what = f"department {name}"
    return Department(
        name=name,
        supervisor=required(node, fields, "supervisor", what).text("supervisor"),
        team_lead=required(node, fields, "team_lead", what).text("team_lead"),
        head=required(node, fields, "head", what).text("head"),
    )


def _queue(name: str, node: Node, departments: dict[str, Department]) -> Queue:
    what = f"queue {name}"
    fields = node.mapping(what, allowed=frozenset({"department", "strategy"}))
    department_node = required(node, fields, "department", what)
    department = department_node.text("department")
    if department not in departments:
        raise department_node.fail(f"{what}: department {department!r} is not declared")
    strategy = optional(
        fields, "strategy",
        lambda n: n.texts_in(f"{what}: strategy", frozenset(STRATEGIES))[0],
        AssignmentStrategy.SKILL_BASED.value,
    )
    return Queue(name=name, department=department, strategy=AssignmentStrategy(strategy))


def _agent(node: Node, queues: dict[str, Queue]) -> Agent:
    fields = node.mapping(
        "agent", allowed=frozenset({"id", "queues", "skills", "languages", "capacity",
                                    "on_shift"}),
    )
    agent_id = required(node, fields, "id", "agent").text("agent id")
    what = f"agent {agent_id}"
    queues_node = required(node, fields, "queues", what)
    served = queues_node.texts(f"{what}: queues")
    for queue in served:
        if queue not in queues:
            raise queues_node.fail(f"{what}: queue {queue!r} is not declared")
    departments = {queues[queue].department for queue in served}
    if len(departments) > 1:
        raise queues_node.fail(
            f"{what}: serves queues of several departments ({', '.join(sorted(departments))}); "
            "an agent belongs to one department"
        )
    return Agent(
        id=agent_id,
        department=departments.pop(),
        queues=served,
        skills=frozenset(optional(fields, "skills", lambda n: n.texts(f"{what}: skills"), ())),
        languages=frozenset(
            language.casefold()
            for language in optional(fields, "languages", lambda n: n.texts("languages"), ())
        ),
        capacity=required(node, fields, "capacity", what).integer(f"{what}: capacity"),
        on_shift=optional(fields, "on_shift", lambda n: n.boolean(f"{what}: on_shift"), True),
    )
