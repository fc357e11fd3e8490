"""Declarative rule files: YAML validated on load (errors name the line and field), reloadable.

Reading is the runtime's (runtime.yaml_files); this module keeps intake's names for it."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Generic, TypeVar

from pydantic import BaseModel

from runtime.watched import WatchedFile
from runtime.yaml_files import read_model
from runtime.yaml_nodes import ConfigFileError

log = logging.getLogger(__name__)

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")

# A rule file is not valid: `file:line: field: message` for each problem.
RuleFileError = ConfigFileError


def load_model(path: Path, model: type[M]) -> M:
    """Parse the YAML file at path into model, or raise RuleFileError with line numbers."""
    return read_model(path, model)


class Reloading(Generic[T]):
    """The value loaded from a file, loaded again whenever the file changes.

    A file that stops validating keeps the last good value in force (and logs why), so a bad
    edit never takes intake down; the first load must succeed.
    """

    def __init__(self, path: Path, load: Callable[[Path], T]) -> None:
        self.path = Path(path)
        self._file = WatchedFile(self.path, lambda _content, _name: load(self.path))
        self._file.current()

    def get(self) -> T:
        """The current value, reloaded first if the file changed since the last load."""
        return self._file.current()
