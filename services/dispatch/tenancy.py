"""Each tenant's roster and routing rules, and the ids of the aggregates that belong to it.

The deployment's own tenant (`TENANT`) reads `ROSTER_PATH` and `ROUTING_RULES_PATH`; every
other tenant has a folder `DISPATCH_TENANTS_DIR/<tenant>/` holding its `roster.yaml` and
`routing.yaml`. All are read and checked at start-up (an invalid or missing file stops the
service); each tenant's rule file is then re-read when it changes, as the single file was.

The home tenant keeps the aggregate ids it had before dispatch knew tenants (desk from the
department alone, rule history `routing`), so an existing store finds its desks again.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from runtime.watched import WatchedFile
from runtime.yaml_nodes import ConfigFileError
from services.dispatch.desk import Desk
from services.dispatch.roster import Roster, parse_roster
from services.dispatch.rule_file import parse_rules
from services.dispatch.ruleset import RuleSet

ROSTER_FILE = "roster.yaml"
RULES_FILE = "routing.yaml"
RULE_SET = "routing"


class UnknownTenant(LookupError):
    """Dispatch has no roster and routing rules for this tenant."""

    def __init__(self, tenant: str) -> None:
        super().__init__(
            f"tenant {tenant!r} has no routing rules or roster in dispatch; nothing of another "
            "tenant's may take its complaints"
        )
        self.tenant = tenant


@dataclass(frozen=True)
class TenantDispatch:
    """One tenant's roster, its watched rule file, and the ids of its aggregates."""

    tenant: str
    roster: Roster
    rules: WatchedFile[RuleSet]
    home: bool = False  # the deployment's own tenant: ids from before tenants

    @property
    def desk_tenant(self) -> str | None:
        """The tenant part of its desks' ids; None for the home tenant's older ids."""
        return None if self.home else self.tenant

    def desk_id(self, department: str) -> uuid.UUID:
        return Desk.create_id(department, self.desk_tenant)

    @property
    def rule_set_name(self) -> str:
        """The name its rule set history is recorded under."""
        return RULE_SET if self.home else f"{RULE_SET}/{self.tenant}"


class Tenancy:
    """Every tenant dispatch serves; a complaint of any other has nowhere to go."""

    def __init__(self, tenants: Mapping[str, TenantDispatch], home: str) -> None:
        self.tenants = dict(tenants)
        self.home = home

    def of(self, tenant: str) -> TenantDispatch:
        """The tenant's configuration (UnknownTenant when it has none)."""
        try:
            return self.tenants[tenant]
        except KeyError:
            raise UnknownTenant(tenant) from None

    def get(self, tenant: str) -> TenantDispatch | None:
        return self.tenants.get(tenant)

    def __iter__(self) -> Iterator[TenantDispatch]:
        return iter(self.tenants.values())

    @classmethod
    def single(cls, tenant: str, roster: Roster, rules: WatchedFile[RuleSet]) -> Tenancy:
        """A deployment of one tenant, its files given as parsed."""
        return cls({tenant: TenantDispatch(tenant, roster, rules, home=True)}, tenant)


def load_tenant(
    tenant: str, roster_path: Path, rules_path: Path, *, home: bool = False
) -> TenantDispatch:
    """Read and check one tenant's roster and rule file (ConfigFileError names the mistake)."""
    for path in (roster_path, rules_path):
        if not path.is_file():
            raise ConfigFileError(path.name, 0, f"tenant {tenant!r}: {path.name} is missing")
    roster = parse_roster(roster_path.read_bytes(), source=_source(tenant, roster_path, home))
    rules = WatchedFile(
        rules_path,
        lambda content, source: parse_rules(
            content, source=_source(tenant, rules_path, home), known_queues=roster.queues
        ),
    )
    rules.current()  # an invalid rule file stops the start, naming its line and reason
    return TenantDispatch(tenant, roster, rules, home=home)


def load_tenancy(
    home: str, roster_path: Path, rules_path: Path, tenants_dir: Path | None
) -> Tenancy:
    """The home tenant's files and every tenant folder under `tenants_dir`."""
    tenants = {home: load_tenant(home, roster_path, rules_path, home=True)}
    folders = sorted(p for p in tenants_dir.iterdir() if p.is_dir()) if (
        tenants_dir is not None and tenants_dir.is_dir()) else []
    for folder in folders:
        if folder.name in tenants:
            raise ConfigFileError(
                folder.name, 0, f"tenant {folder.name!r} is the deployment's TENANT, whose "
                "files are ROSTER_PATH and ROUTING_RULES_PATH; remove its folder",
            )
        tenants[folder.name] = load_tenant(
            folder.name, folder / ROSTER_FILE, folder / RULES_FILE
        )
    return Tenancy(tenants, home)


def _source(tenant: str, path: Path, home: bool) -> str:
    return path.name if home else f"{tenant}/{path.name}"
