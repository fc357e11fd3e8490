"""Reads YAML as nodes that know their line, so a bad file is rejected with where and why."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import yaml

T = TypeVar("T")

_STR = "tag:yaml.org,2002:str"
_INT = "tag:yaml.org,2002:int"
_BOOL = "tag:yaml.org,2002:bool"
_NULL = "tag:yaml.org,2002:null"


class ConfigFileError(ValueError):
    """A configuration file is invalid: `source:line: reason` (without a line when the mistake
    is in how the file agrees with another, and without either when the source is unknown)."""

    def __init__(self, source: str, line: int | None, reason: str) -> None:
        where = ":".join(str(part) for part in (source, line) if part)
        super().__init__(f"{where}: {reason}" if where else reason)
        self.source = source
        self.line = line
        self.reason = reason


class Node:
    """A YAML node of one file, with typed accessors that fail naming the node's line."""

    def __init__(self, node: yaml.Node, source: str) -> None:
        self.node = node
        self.source = source

    @property
    def line(self) -> int:
        """1-based line where the node starts."""
        return self.node.start_mark.line + 1

    def fail(self, reason: str) -> ConfigFileError:
        """The error to raise for this node."""
        return ConfigFileError(self.source, self.line, reason)

    def mapping(self, what: str, *, allowed: frozenset[str] | None = None) -> dict[str, Node]:
        """The node as a mapping of string keys; unknown or repeated keys are errors."""
        if not isinstance(self.node, yaml.MappingNode):
            raise self.fail(f"{what} must be a mapping")
        out: dict[str, Node] = {}
        for key, value in self.node.value:
            name = Node(key, self.source)
            if key.tag != _STR:
                raise name.fail(f"{what}: keys must be strings, got {key.value!r}")
            if key.value in out:
                raise name.fail(f"{what}: {key.value!r} is given twice")
            if allowed is not None and key.value not in allowed:
                raise name.fail(
                    f"{what}: unknown field {key.value!r} (allowed: {', '.join(sorted(allowed))})"
                )
            out[key.value] = Node(value, self.source)
        return out

    def sequence(self, what: str) -> list[Node]:
        """The node as a list of nodes."""
        if not isinstance(self.node, yaml.SequenceNode):
            raise self.fail(f"{what} must be a list")
        return [Node(item, self.source) for item in self.node.value]

    def text(self, what: str) -> str:
        """A non-empty scalar, as written (so `version: 2024.06` stays `2024.06`)."""
        if not isinstance(self.node, yaml.ScalarNode) or self.node.tag == _NULL:
            raise self.fail(f"{what} must be a non-empty text")
        value = str(self.node.value).strip()
        if not value:
            raise self.fail(f"{what} must be a non-empty text")
        return value

    def integer(self, what: str, *, minimum: int = 0) -> int:
        """An integer scalar of at least `minimum`."""
        if not isinstance(self.node, yaml.ScalarNode) or self.node.tag != _INT:
            raise self.fail(f"{what} must be an integer, got {self._shown()}")
        value = int(self.node.value.replace("_", ""), 0)
        if value < minimum:
            raise self.fail(f"{what} must be at least {minimum}, got {value}")
        return value

    def boolean(self, what: str) -> bool:
        """A true/false scalar."""
        if not isinstance(self.node, yaml.ScalarNode) or self.node.tag != _BOOL:
            raise self.fail(f"{what} must be true or false, got {self._shown()}")
        return self.node.value.lower() in ("true", "yes", "on", "y")

    def texts(self, what: str) -> tuple[str, ...]:
        """One text or a non-empty list of texts."""
        if isinstance(self.node, yaml.ScalarNode):
            return (self.text(what),)
        items = self.sequence(what)
        if not items:
            raise self.fail(f"{what} must not be an empty list")
        return tuple(item.text(f"{what} item") for item in items)

    def texts_in(self, what: str, allowed: frozenset[str]) -> tuple[str, ...]:
        """Texts that must each be one of `allowed`."""
        values = self.texts(what)
        for value in values:
            if value not in allowed:
                raise self.fail(
                    f"{what}: {value!r} is not one of {', '.join(sorted(allowed))}"
                )
        return values

    def _shown(self) -> str:
        if isinstance(self.node, yaml.ScalarNode):
            return repr(self.node.value)
        return "a list" if isinstance(self.node, yaml.SequenceNode) else "a mapping"


def load(text: str, source: str) -> Node:
    """The document's root node; a YAML syntax error names its line too."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else 1
        raise ConfigFileError(source, line, f"not valid YAML: {error.problem}") from error
    if root is None:
        raise ConfigFileError(source, 1, "the file is empty")
    return Node(root, source)


def optional(fields: dict[str, Node], name: str, read: Callable[[Node], T], default: T) -> T:
    """`read` the field when present, else the default."""
    return read(fields[name]) if name in fields else default


def required(owner: Node, fields: dict[str, Node], name: str, what: str) -> Node:
    """A field that must be present, or an error at its owner's line."""
    if name not in fields:
        raise owner.fail(f"{what}: {name!r} is required")
    return fields[name]
