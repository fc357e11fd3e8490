"""Declarative rule files: YAML validated on load (errors name the line and field), reloadable."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, Generic, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

log = logging.getLogger(__name__)

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")


class RuleFileError(ValueError):
    """A rule file is not valid; the message names the file, line and field of each problem."""


def load_model(path: Path, model: type[M]) -> M:
    """Parse the YAML file at path into model, or raise RuleFileError with line numbers."""
    text = path.read_text(encoding="utf-8")
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark else ""
        problem = getattr(error, "problem", None) or str(error)
        raise RuleFileError(f"{path.name}{where}: not valid YAML: {problem}") from None
    try:
        return model.model_validate(data if data is not None else {})
    except ValidationError as error:
        problems = [
            f"{path.name} line {line_of(root, e['loc'])}, {dotted(e['loc']) or '(top)'}: "
            f"{e['msg']}"
            for e in error.errors(include_url=False)
        ]
        raise RuleFileError("; ".join(problems)) from None


def dotted(loc: tuple[Any, ...]) -> str:
    """A pydantic error location as `categories[2].keywords.en`."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def line_of(node: yaml.Node | None, loc: tuple[Any, ...]) -> int:
    """The 1-based line of the deepest YAML node on the error's path."""
    line = node.start_mark.line + 1 if node is not None else 1
    for part in loc:
        child = _child(node, part)
        if child is None:
            break
        node, line = child, child.start_mark.line + 1
    return line


def _child(node: yaml.Node | None, part: Any) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if key.value == str(part):
                return value
    if isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
        return node.value[part]
    return None


class Reloading(Generic[T]):
    """The value loaded from a file, loaded again whenever the file's mtime changes.

    A file that stops validating keeps the last good value in force (and logs why), so a bad
    edit never takes intake down; the first load must succeed.
    """

    def __init__(self, path: Path, load: Callable[[Path], T]) -> None:
        self.path = Path(path)
        self._load = load
        self._lock = threading.Lock()
        self._mtime = self.path.stat().st_mtime_ns
        self._value = load(self.path)

    def get(self) -> T:
        """The current value, reloaded first if the file changed since the last load."""
        mtime = self.path.stat().st_mtime_ns
        if mtime != self._mtime:
            with self._lock:
                if mtime != self._mtime:
                    self._reload(mtime)
        return self._value

    def _reload(self, mtime: int) -> None:
        self._mtime = mtime  # a bad file is reported once, not on every call
        try:
            self._value = self._load(self.path)
        except (RuleFileError, OSError) as error:
            log.error(
                "rule file rejected; keeping the previous rules",
                extra={"path": str(self.path), "reason": str(error)},
            )
            return
        log.info("rule file reloaded", extra={"path": str(self.path)})
