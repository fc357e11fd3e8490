"""The workload view: open complaints per agent and per queue, with their ages."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from statistics import median

from pydantic import BaseModel

from services.dispatch.desk import Desk
from services.dispatch.roster import Roster


class Ages(BaseModel):
    oldest_s: float | None
    median_s: float | None


class AgentLoad(BaseModel):
    agent_id: str
    department: str
    on_shift: bool
    capacity: int
    open: int
    ages: Ages


class QueueLoad(BaseModel):
    queue: str
    department: str
    depth: int
    open: int
    waiting_ages: Ages
    open_ages: Ages


class Workload(BaseModel):
    agents: list[AgentLoad]
    queues: list[QueueLoad]


def workload(roster: Roster, desks: Mapping[str, Desk | None], now: datetime) -> Workload:
    """Open complaints per agent and queue; a queue's open ones are waiting or held."""
    agents = []
    held_in: dict[str, list[str]] = {queue: [] for queue in roster.queues}
    for agent in roster.agents.values():
        desk = desks.get(agent.department) or Desk(agent.department)
        seat = desk.seat(agent)
        held = desk.holding.get(agent.id, {})
        for info in held.values():
            held_in.setdefault(info["queue"], []).append(info["arrived_at"])
        agents.append(AgentLoad(
            agent_id=agent.id, department=agent.department, on_shift=seat.on_shift,
            capacity=seat.capacity, open=len(held),
            ages=_ages([info["arrived_at"] for info in held.values()], now),
        ))
    queues = []
    for queue in roster.queues.values():
        desk = desks.get(queue.department)
        waiting = desk.waiting.get(queue.name, []) if desk else []
        arrived = [t["arrived_at"] for t in waiting] + held_in[queue.name]
        queues.append(QueueLoad(
            queue=queue.name, department=queue.department, depth=len(waiting),
            open=len(arrived), waiting_ages=_ages([t["queued_at"] for t in waiting], now),
            open_ages=_ages(arrived, now),
        ))
    return Workload(agents=agents, queues=queues)


def _ages(times: list[str], now: datetime) -> Ages:
    seconds = [(now - datetime.fromisoformat(t)).total_seconds() for t in times if t]
    if not seconds:
        return Ages(oldest_s=None, median_s=None)
    return Ages(oldest_s=max(seconds), median_s=median(seconds))
