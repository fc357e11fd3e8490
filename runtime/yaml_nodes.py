"""Reads YAML as nodes that know their line, so a bad file is rejected with where and why
(runtime.yaml_files validates what is read)."""

from __future__ import annotations

import yaml


class ConfigFileError(ValueError):
    """A configuration file is invalid: `source:line: reason` (without a line when the mistake
    is in how the file agrees with another, and without either when the source is unknown)."""

    def __init__(self, source: str, line: int | None, reason: str) -> None:
        where = ":".join(str(part) for part in (source, line) if part)
        super().__init__(f"{where}: {reason}" if where else reason)
        self.source = source
        self.line = line
        self.reason = reason


def load(text: str, source: str) -> yaml.Node:
    """The document's root node, whose marks give each part's line; a YAML syntax error names
    its line too."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else 1
        raise ConfigFileError(source, line, f"not valid YAML: {error.problem}") from error
    if root is None:
        raise ConfigFileError(source, 1, "the file is empty")
    return root

