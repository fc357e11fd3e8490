"""The approval policy, solution library and root-cause taxonomy files: validated on load,
reloaded when changed.

Approval policies are per tenant, as dispatch's rosters are: the deployment's own tenant
(`TENANT`) reads `APPROVAL_POLICY_FILE`; every other tenant has a folder
`RESOLUTION_TENANTS_DIR/<tenant>/` holding its `approval_policy.yaml`. A tenant with no policy
has no approvers here: its proposals are refused, never decided by another tenant's chain.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Generic, TypeVar

import yaml
from pydantic import BaseModel

from services.resolution.config import PACKAGE
from services.resolution.domain.approval_policy import ApprovalPolicy
from services.resolution.domain.errors import WrongState
from services.resolution.domain.root_causes import RootCauseTaxonomy
from services.resolution.domain.solutions import SolutionLibrary

log = logging.getLogger(__name__)
Model = TypeVar("Model", bound=BaseModel)
APPROVAL_POLICY_FILE = "approval_policy.yaml"


class PolicyFile(Generic[Model]):
    """A YAML file parsed into a model; a changed file is reloaded, a broken one is refused."""

    def __init__(self, path: Path, model: type[Model]) -> None:
        self.path = path
        self.model = model
        self._lock = threading.Lock()
        self._mtime = path.stat().st_mtime_ns
        self._current = self._load()  # a broken file at start-up stops the service

    def current(self) -> Model:
        """The file's content; reloaded if the file changed, kept if the new one is invalid."""
        with self._lock:
            mtime = self.path.stat().st_mtime_ns
            if mtime != self._mtime:
                self._mtime = mtime
                try:
                    self._current = self._load()
                    log.info("reloaded %s", self.path)
                except Exception:
                    log.exception("kept the previous %s: the new file is invalid", self.path)
            return self._current

    def _load(self) -> Model:
        return self.model.model_validate(yaml.safe_load(self.path.read_text(encoding="utf-8")))


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
