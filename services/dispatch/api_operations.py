"""Dispatch's HTTP API for operations: roster shifts and capacity, workload, routing rules.

Each tenant has its own roster and rule set; a caller sees and changes only their own
tenant's, and a tenant dispatch has no files for finds nothing (404). Supervisors see and
change the agents and queues of their own departments.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Depends, Path, status
from pydantic import BaseModel, Field

from runtime import problems
from runtime.auth import NotFound, Principal, Scope, require
from runtime.request_validation import RequestBody
from runtime.yaml_nodes import ConfigFileError
from services.dispatch.application import DispatchApplication
from services.dispatch.capacity import UnknownAgent
from services.dispatch.ruleset import RuleSet
from services.dispatch.tenancy import TenantDispatch
from services.dispatch.workload import Workload

Assigner = Annotated[Principal, Depends(require(Scope.COMPLAINTS_ASSIGN))]
ConfigReader = Annotated[Principal, Depends(require(Scope.CONFIG_READ))]
ConfigWriter = Annotated[Principal, Depends(require(Scope.CONFIG_WRITE))]


class AgentUpdate(RequestBody):
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
        agent_id: Annotated[str, Path(min_length=1, max_length=128)], update: AgentUpdate,
        caller: Assigner,
    ) -> AgentView:
        config = tenant_config(app, caller, "agent")
        agent = config.roster.agents.get(agent_id)
        if agent is None or not in_departments(caller, agent.department):
            raise NotFound("agent")
        try:
            changed = app.update_agent(
                agent_id=agent_id, on_shift=update.on_shift, capacity=update.capacity,
                tenant=config.tenant,
            )
        except UnknownAgent as error:
            raise NotFound("agent") from error
        on_saved()
        seat = app.seat(agent_id, tenant=config.tenant)
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
    def get_workload(caller: Assigner) -> Workload:
        config = tenant_config(app, caller, "workload")
        every = app.workload(config.tenant)
        return Workload(
            agents=[a for a in every.agents if in_departments(caller, a.department)],
            queues=[q for q in every.queues if in_departments(caller, q.department)],
        )

    @router.get(
        "/routing", response_model=RuleSetView, tags=["routing"],
        summary="The routing rule set in force",
    )
    def get_rules(caller: ConfigReader) -> RuleSetView:
        config = tenant_config(app, caller, "rule set")
        rules = app.rules_in_force(config.tenant)
        on_saved()
        return _view(rules, recorded=False, error=config.rules.error)

    @router.post(
        "/routing/reload", response_model=RuleSetView, tags=["routing"],
        summary="Read the routing rule file now; an invalid file is refused with line and reason",
    )
    def reload_rules(caller: ConfigWriter) -> RuleSetView:
        config = tenant_config(app, caller, "rule set")
        try:
            rules, recorded = app.reload_rules(config.tenant)
        except ConfigFileError as error:
            raise problems.Problem(
                status.HTTP_422_UNPROCESSABLE_CONTENT, error.reason, slug="invalid-rule-file",
                file=error.source, line=error.line, reason=error.reason,
            ) from error
        on_saved()
        return _view(rules, recorded=recorded, error=None)

    return router


def tenant_config(app: DispatchApplication, caller: Principal, what: str) -> TenantDispatch:
    """The caller's tenant's roster and rules; a tenant without them finds nothing here."""
    config = app.tenancy.get(caller.tenant) if app.tenancy else None
    if config is None:
        raise NotFound(what)
    return config


def in_departments(caller: Principal, department: str) -> bool:
    """Whether the caller works in department (or in every one of the tenant's)."""
    return caller.has(Scope.ALL_DEPARTMENTS) or department in caller.departments


def _view(rules: RuleSet, *, recorded: bool, error: ConfigFileError | None) -> RuleSetView:
    return RuleSetView(
        version=rules.version, content_hash=rules.content_hash,
        rule_ids=[rule.id for rule in rules.rules], default_queue=rules.default_queue,
        recorded=recorded, pending_error=str(error) if error else None,
    )
