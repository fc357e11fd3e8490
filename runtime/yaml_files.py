"""The one way a rule or policy file is read: YAML parsed with line numbers, validated by a
pydantic model, and every mistake reported as `file:line: field: message`.

Files checked by hand (dispatch's routing and roster, notify's rules) walk the same
line-numbered nodes (runtime.yaml_nodes) and fail with the same ConfigFileError.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from runtime.yaml_nodes import ConfigFileError, load

M = TypeVar("M", bound=BaseModel)


def parse_model(content: str | bytes, source: str, model: type[M]) -> M:
    """`content` validated by `model`; ConfigFileError names the line and field of a mistake."""
    return parse_with_data(content, source, model)[0]


def parse_with_data(content: str | bytes, source: str, model: type[M]) -> tuple[M, Any]:
    """The validated model and the plain data it was validated from (kept by stores that
    record a document as it was read)."""
    root, data = parse_data(content, source)
    try:
        return model.model_validate(data), data
    except ValidationError as error:
        raise invalid(error, source, root) from None


def parse_data(content: str | bytes, source: str) -> tuple[yaml.Node, Any]:
    """The document's root node and its plain data; a syntax error names its line."""
    text = content.decode("utf-8") if isinstance(content, bytes) else content
    return load(text, source).node, yaml.SafeLoader(text).get_single_data()


def read_model(path: Path, model: type[M]) -> M:
    """The file at `path` validated by `model`, errors named by the file's name."""
    path = Path(path)
    return parse_model(path.read_bytes(), path.name, model)


def invalid(error: ValidationError, source: str, root: yaml.Node) -> ConfigFileError:
    """One ConfigFileError for every problem pydantic found, each at the line it concerns."""
    problems = [(line_of(root, e["loc"]), f"{dotted(e['loc']) or '(top)'}: {e['msg']}")
                for e in error.errors(include_url=False)]
    (line, reason), *more = problems
    if more:
        reason += "".join(f"; {source}:{at}: {what}" for at, what in more)
    return ConfigFileError(source, line, reason)


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
