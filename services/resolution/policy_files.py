"""The approval policy, solution library and root-cause taxonomy files: validated on load,
reloaded when changed.

Approval policies are per tenant, as dispatch's rosters are: the deployment's own tenant
(`TENANT`) reads `APPROVAL_POLICY_FILE`; every other tenant has a folder
`RESOLUTION_TENANTS_DIR/<tenant>/` holding its `approval_policy.yaml`. A tenant with no policy
has no approvers here: its proposals are refused, never decided by another tenant's chain.
"""

from __future__ import annotations

from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel

from runtime.watched import WatchedFile
from runtime.yaml_files import parse_model
from services.resolution.config import PACKAGE
from services.resolution.domain.approval_policy import ApprovalPolicy
from services.resolution.domain.errors import WrongState
from services.resolution.domain.root_causes import RootCauseTaxonomy
from services.resolution.domain.solutions import SolutionLibrary

Model = TypeVar("Model", bound=BaseModel)
APPROVAL_POLICY_FILE = "approval_policy.yaml"


class PolicyFile(WatchedFile[Model]):
    """A YAML file parsed into a model; a changed file is reloaded, a broken one is refused
    (ConfigFileError names its line and field), and one broken at start-up stops the service."""

    def __init__(self, path: Path, model: type[Model]) -> None:
        super().__init__(path, lambda content, source: parse_model(content, source, model))
        self.model = model
        self.current()


class NoApprovalPolicy(WrongState):
    """The tenant has no approval policy in resolution, so nobody of its may decide."""


def tenant_approvals(
    home: str, approval: Path, tenants_dir: Path | None
) -> dict[str, PolicyFile[ApprovalPolicy]]:
    """The home tenant's policy and one per folder under `tenants_dir` (each validated)."""
    policies = {home: PolicyFile(approval, ApprovalPolicy)}
    folders = sorted(p for p in tenants_dir.iterdir() if p.is_dir()) if (
        tenants_dir is not None and tenants_dir.is_dir()) else []
    for folder in folders:
        if folder.name in policies:
            raise ValueError(f"tenant {folder.name!r} is the deployment's TENANT, whose policy "
                             "is APPROVAL_POLICY_FILE; remove its folder")
        path = folder / APPROVAL_POLICY_FILE
        if not path.is_file():
            raise ValueError(f"tenant {folder.name!r}: {APPROVAL_POLICY_FILE} is missing")
        policies[folder.name] = PolicyFile(path, ApprovalPolicy)
    return policies


class Policies:
    """Where the application reads the rules that change often."""

    def __init__(
        self, approvals: dict[str, PolicyFile[ApprovalPolicy]], home: str,
        solutions: PolicyFile[SolutionLibrary], root_causes: PolicyFile[RootCauseTaxonomy],
    ) -> None:
        self._approvals = approvals
        self.home = home
        self._solutions = solutions
        self._root_causes = root_causes

    @classmethod
    def from_paths(
        cls, approval: Path, solutions: Path, root_causes: Path = PACKAGE / "root_causes.yaml",
        *, home: str = "default", tenants_dir: Path | None = None,
    ) -> Policies:
        """Load (and validate) every file, `approval` being the home tenant's policy."""
        return cls(tenant_approvals(home, approval, tenants_dir), home,
                   PolicyFile(solutions, SolutionLibrary),
                   PolicyFile(root_causes, RootCauseTaxonomy))

    @property
    def tenants(self) -> frozenset[str]:
        """The tenants that have an approval policy."""
        return frozenset(self._approvals)

    def approval(self, tenant: str) -> ApprovalPolicy:
        """The tenant's approval policy (NoApprovalPolicy when it has none)."""
        policy = self._approvals.get(tenant)
        if policy is None:
            raise NoApprovalPolicy(
                "tenant {tenant} has no approval policy in resolution; no other tenant's "
                "approvers may decide its proposals", tenant=tenant)
        return policy.current()

    def solutions(self) -> SolutionLibrary:
        return self._solutions.current()

    def root_causes(self) -> RootCauseTaxonomy:
        return self._root_causes.current()
