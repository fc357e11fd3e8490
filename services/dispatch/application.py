"""Dispatch's use cases over its event store: each one loads, decides, and saves atomically."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from typing import Any, ClassVar, TypeVar

from eventsourcing.application import AggregateNotFoundError

from runtime.eventstore import Cause, ServiceApplication
from runtime.transact import transact
from runtime.watched import WatchedFile
from services.dispatch import capacity as slots
from services.dispatch import handovers, metrics, routing
from services.dispatch.desk import Desk
from services.dispatch.domain import Assignment
from services.dispatch.roster import Roster
from services.dispatch.rule_history import RuleSetHistory
from services.dispatch.ruleset import Facts, RuleSet
from services.dispatch.strategies import Seat
from services.dispatch.tenancy import RULE_SET, Tenancy, TenantDispatch
from services.dispatch.unit import Unit
from services.dispatch.workload import Workload, workload

log = logging.getLogger(__name__)
T = TypeVar("T")


class DispatchApplication(ServiceApplication):
    """Gives complaints to queues and agents, and keeps every hand-over on record."""

    # A desk sees every assignment of its department: it stays loaded between saves, and
    # snapshots keep loading it after a restart short.
    kept_loaded = (Desk,)
    snapshotting_intervals: ClassVar[dict[type, int]] = {Desk: 100}

    def __init__(
        self,
        *,
        env: Any = None,
        tenancy: Tenancy | None = None,
        rules: WatchedFile[RuleSet] | None = None,
        roster: Roster | None = None,
        transfer_cap: int = 3,
        tenant: str = "default",
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        max_conflicts: int = 10,
    ) -> None:
        super().__init__(env=env)
        # One tenant's roster and rules may be given as such (tests, tools); `tenant` is then
        # theirs. Reading the store needs neither.
        if tenancy is None and roster is not None and rules is not None:
            tenancy = Tenancy.single(tenant, roster, rules)
        self.tenancy = tenancy
        self.transfer_cap = transfer_cap
        self.tenant = tenancy.home if tenancy is not None else tenant
        self.clock = clock
        self.max_conflicts = max_conflicts
        # Agents and HTTP threads of this replica take turns; other replicas are caught by
        # the aggregates' versions and retried.
        self._lock = threading.RLock()
        self._recorded_hash: dict[str, str] = {}

    @property
    def roster(self) -> Roster | None:
        """The deployment's own tenant's roster."""
        return self.tenancy.of(self.tenant).roster if self.tenancy else None

    @property
    def rules(self) -> WatchedFile[RuleSet] | None:
        """The deployment's own tenant's rule file."""
        return self.tenancy.of(self.tenant).rules if self.tenancy else None

    def config(self, tenant: str | None = None) -> TenantDispatch:
        """A tenant's roster and rules (the deployment's own by default); UnknownTenant else."""
        assert self.tenancy is not None
        return self.tenancy.of(tenant or self.tenant)

    # --- consumed events -----------------------------------------------------------------

    def route(
        self, *, complaint_id: str, tenant: str, facts: Facts, arrived_at: datetime,
        historical: bool = False, cause: Cause | None = None,
    ) -> Assignment | None:
        """Route a classified complaint with its tenant's rules in force (re-read if the file
        changed), to its tenant's desks only; UnknownTenant when the tenant has none."""
        config = self.config(tenant)
        rules = self.rules_in_force(tenant)
        return self._transact(partial(
            routing.route_classified, complaint_id=complaint_id, tenant=tenant, facts=facts,
            arrived_at=arrived_at.isoformat(), historical=historical, cause=_id(cause),
        ), cause=cause, config=config, rules=rules)

    def close_complaint(self, *, complaint_id: str, cause: Cause | None = None) -> None:
        """Free the owner's slot for the next waiting complaint."""
        self._transact(
            partial(slots.close, complaint_id=complaint_id, cause=_id(cause)), cause=cause,
            config=self._config_of(complaint_id),
        )

    def reopen(
        self, *, complaint_id: str, previous_owner: str | None, cause: Cause | None = None
    ) -> None:
        """Back to the previous owner if they can take it, else through the queue."""
        self._transact(partial(
            slots.reopen, complaint_id=complaint_id, previous_owner=previous_owner,
            cause=_id(cause),
        ), cause=cause, config=self._config_of(complaint_id))

    def escalate(
        self, *, complaint_id: str, level: Any, reason: str, cause: Cause | None = None
    ) -> None:
        """Give the complaint to the owner of the escalation level."""
        self._transact(partial(
            handovers.escalate, complaint_id=complaint_id, level=level, reason=reason,
            cause=_id(cause),
        ), cause=cause, config=self._config_of(complaint_id))

    # --- commands ------------------------------------------------------------------------

    def transfer(
        self, *, complaint_id: str, to_queue: str, to_agent_id: str | None, reason: str,
        actor: str,
    ) -> handovers.Handover:
        """Transfer to another queue or agent; past the cap the supervisor takes it."""
        return self._transact(partial(
            handovers.transfer, complaint_id=complaint_id, to_queue=to_queue,
            to_agent_id=to_agent_id, reason=reason, actor=actor,
        ), cause=None, config=self._config_of(complaint_id))

    def add_collaborator(
        self, *, complaint_id: str, department: str, task: str, actor: str
    ) -> bool:
        """Ask another department to help with a task."""
        return self._transact(partial(
            handovers.add_collaborator, complaint_id=complaint_id, department=department,
            task=task, actor=actor,
        ), cause=None, config=self._config_of(complaint_id))

    def update_agent(
        self, *, agent_id: str, on_shift: bool | None = None, capacity: int | None = None,
        tenant: str | None = None,
    ) -> bool:
        """Change an agent's shift or capacity; waiting complaints may be assigned at once."""
        return self._transact(partial(
            slots.update_agent, agent_id=agent_id, on_shift=on_shift, capacity=capacity,
        ), cause=None, config=self.config(tenant))

    def reload_rules(self, tenant: str | None = None) -> tuple[RuleSet, bool]:
        """Read the tenant's rule file now (ConfigFileError if invalid); True when a change was
        recorded."""
        config = self.config(tenant)
        rules = config.rules.reload()
        return rules, self._record_rules(config, rules, trigger="api")

    def rules_in_force(self, tenant: str | None = None) -> RuleSet:
        """The tenant's rule set to route with; a changed file is read and its reload recorded
        first."""
        config = self.config(tenant)
        rules = config.rules.current()
        self._record_rules(config, rules, trigger="file_changed")
        return rules

    # --- queries -------------------------------------------------------------------------

    def get_assignment(self, complaint_id: str) -> Assignment:
        """The current assignment of a complaint (AggregateNotFoundError if it has none)."""
        return self.repository.get(Assignment.create_id(complaint_id))

    def desks(self, tenant: str | None = None) -> dict[str, Desk | None]:
        """Every department's desk of the tenant, None where nothing happened yet."""
        config = self.config(tenant)
        unit = self._unit(config, None)
        return {name: unit.get(config.desk_id(name)) for name in config.roster.departments}

    def seat(self, agent_id: str, tenant: str | None = None) -> Seat:
        """An agent's shift, capacity and load now (KeyError if not on the tenant's roster)."""
        config = self.config(tenant)
        agent = config.roster.agents[agent_id]
        return self._unit(config, None).desk(agent.department).seat(agent)

    def workload(self, tenant: str | None = None) -> Workload:
        """Open complaints per agent and queue of the tenant, with their ages."""
        config = self.config(tenant)
        return workload(config.roster, self.desks(tenant), self.clock())

    def rule_history(self, tenant: str | None = None) -> RuleSetHistory | None:
        """Which of the tenant's rule set versions is recorded as in force (a store opened
        without the files reads the deployment's own tenant's)."""
        name = self.config(tenant).rule_set_name if self.tenancy else RULE_SET
        try:
            return self.repository.get(RuleSetHistory.create_id(name))
        except AggregateNotFoundError:
            return None

    # --- the unit of work ----------------------------------------------------------------

    def _record_rules(self, config: TenantDispatch, rules: RuleSet, *, trigger: str) -> bool:
        if rules.content_hash == self._recorded_hash.get(config.tenant):
            return False

        def work(unit: Unit) -> bool:
            name = config.rule_set_name
            history = unit.get(RuleSetHistory.create_id(name)) or unit.add(
                RuleSetHistory(name, config.tenant)
            )
            return history.bring_into_force(rules, at=unit.now, trigger=trigger)

        recorded = self._transact(work, cause=None, config=config)
        self._recorded_hash[config.tenant] = rules.content_hash
        if recorded:
            log.info("routing rules %s (%s) of %s in force", rules.version,
                     rules.content_hash[:12], config.tenant)
        return recorded

    def _config_of(self, complaint_id: str) -> TenantDispatch:
        """The configuration of the complaint's tenant; the home tenant's when dispatch never
        routed it (the use cases then find nothing to do)."""
        try:
            assignment = self.get_assignment(complaint_id)
        except AggregateNotFoundError:
            return self.config()
        return self.config(assignment.tenant)

    def _unit(self, config: TenantDispatch, rules: RuleSet | None) -> Unit:
        return Unit(self.repository, config.roster, rules, self.clock(), self.transfer_cap,
                    desk_tenant=config.desk_tenant)

    def _transact(
        self, work: Callable[[Unit], T], *, cause: Cause | None, config: TenantDispatch,
        rules: RuleSet | None = None,
    ) -> T:
        """Run `work` and save what it changed with the cause's marker; retry on a conflict."""

        def attempt() -> T:
            unit = self._unit(config, rules)
            result = work(unit)
            changed = unit.changed()
            new = [(aggregate, e) for aggregate in changed for e in aggregate.pending_events]
            if changed or cause is not None:
                self.save(*changed, cause=cause)
            desks = [a for a in unit.loaded.values() if isinstance(a, Desk)]
            metrics.observe(new, desks, unit.now, tenant=config.tenant)
            return result

        with self._lock:
            return transact(self, attempt, cause=cause, attempts=self.max_conflicts,
                            conflicted=metrics.CONFLICTS.labels(config.tenant).inc)

def _id(cause: Cause | None) -> str | None:
    return str(cause.event_id) if cause else None
