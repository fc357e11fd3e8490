"""Dispatch's HTTP API for operations: roster shifts and capacity, workload, routing rules."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, status
from pydantic import BaseModel, Field

from services.dispatch.application import DispatchApplication
from services.dispatch.capacity import UnknownAgent
from services.dispatch.ruleset import RuleSet
from services.dispatch.workload import Workload
from services.dispatch.yaml_nodes import ConfigFileError


class AgentUpdate(BaseModel):
    on_shift: bool | None = None
    capacity: int | None = Field(None, ge=0, le=1000)


class AgentView(BaseModel):
    agent_id: str
    department: str
    queues: list[str]
    skills: list[str]
    languages: list[str]
    on_shift: bool
    capacity: int
    open: int
    changed: bool = Field(description="False when the agent already had this shift and capacity")


class RuleSetView(BaseModel):
    version: str
    content_hash: str
    rule_ids: list[str]
    default_queue: str
    recorded: bool = Field(description="True when this call recorded a changed rule set")
    pending_error: str | None = Field(
        None, description="Why the file on disk is not in force, if it is invalid"
    )


def build_router(app: DispatchApplication, *, on_saved: Callable[[], None]) -> APIRouter:
    """Routes for supervisors and operators; commands that save call `on_saved`."""
    router = APIRouter(prefix="/v1")

    @router.patch(
        "/roster/agents/{agent_id}", response_model=AgentView, tags=["roster"],
        summary="Put an agent on or off shift, or change their capacity",
    )
    def update_agent(
        agent_id: Annotated[str, Path(min_length=1, max_length=128)], update: AgentUpdate
    ) -> AgentView:
        try:
            changed = app.update_agent(
                agent_id=agent_id, on_shift=update.on_shift, capacity=update.capacity
            )
        except UnknownAgent as error:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"no agent {agent_id}") from error
        on_saved()
        seat = app.seat(agent_id)
        agent = seat.agent
        return AgentView(
            agent_id=agent.id, department=agent.department, queues=list(agent.queues),
            skills=sorted(agent.skills), languages=sorted(agent.languages),
            on_shift=seat.on_shift, capacity=seat.capacity, open=seat.load, changed=changed,
        )

    @router.get(
        "/workload", response_model=Workload, tags=["workload"],
        summary="Open complaints per agent and per queue, with their ages",
    )
    def get_workload() -> Workload:
        return app.workload()

    @router.get(
        "/routing", response_model=RuleSetView, tags=["routing"],
        summary="The routing rule set in force",
    )
    def get_rules() -> RuleSetView:
        rules = app.rules_in_force()
        on_saved()
        return _view(rules, recorded=False, error=app.rules.error)

    @router.post(
        "/routing/reload", response_model=RuleSetView, tags=["routing"],
        summary="Read the routing rule file now; an invalid file is refused with line and reason",
    )
    def reload_rules() -> RuleSetView:
        try:
            rules, recorded = app.reload_rules()
        except ConfigFileError as error:
            raise HTTPException(
                status.HTTP_422_UNPROCESSABLE_CONTENT,
                {"file": error.source, "line": error.line, "reason": error.reason},
            ) from error
        on_saved()
        return _view(rules, recorded=recorded, error=None)

    return router


def _view(rules: RuleSet, *, recorded: bool, error: ConfigFileError | None) -> RuleSetView:
    return RuleSetView(
        version=rules.version, content_hash=rules.content_hash,
        rule_ids=[rule.id for rule in rules.rules], default_queue=rules.default_queue,
        recorded=recorded, pending_error=str(error) if error else None,
    )
