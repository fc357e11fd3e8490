"""The approval policy, solution library and root-cause taxonomy files: validated on load,
reloaded when changed."""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Generic, TypeVar

import yaml
from pydantic import BaseModel

from services.resolution.config import PACKAGE
from services.resolution.domain.approval_policy import ApprovalPolicy
from services.resolution.domain.root_causes import RootCauseTaxonomy
from services.resolution.domain.solutions import SolutionLibrary

log = logging.getLogger(__name__)
Model = TypeVar("Model", bound=BaseModel)


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


class Policies:
    """Where the application reads the rules that change often."""

    def __init__(
        self, approval: PolicyFile[ApprovalPolicy], solutions: PolicyFile[SolutionLibrary],
        root_causes: PolicyFile[RootCauseTaxonomy],
    ) -> None:
        self._approval = approval
        self._solutions = solutions
        self._root_causes = root_causes

    @classmethod
    def from_paths(
        cls, approval: Path, solutions: Path, root_causes: Path = PACKAGE / "root_causes.yaml"
    ) -> Policies:
        """Load (and validate) every file."""
        return cls(PolicyFile(approval, ApprovalPolicy), PolicyFile(solutions, SolutionLibrary),
                   PolicyFile(root_causes, RootCauseTaxonomy))

    def approval(self) -> ApprovalPolicy:
        return self._approval.current()

    def solutions(self) -> SolutionLibrary:
        return self._solutions.current()

    def root_causes(self) -> RootCauseTaxonomy:
        return self._root_causes.current()
