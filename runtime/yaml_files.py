"""The one way a rule or policy file is read: YAML parsed with line numbers, validated by a
pydantic model, and every mistake reported as `file:line: field: message`.

A file whose scalars mean what its model says rather than what YAML 1.1 guesses (`2024.10`
is a version, not the number 2024.1) is read `as_written`; a file that words its mistakes
its own way (dispatch's) gives `validate` a `describe`. A check across a file's items (notify's
`after`, dispatch's rule ids) names its line with `line_of` and raises the same ConfigFileError.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from runtime.yaml_nodes import ConfigFileError, load

M = TypeVar("M", bound=BaseModel)


def parse_model(content: str | bytes, source: str, model: type[M]) -> M:
    """`content` validated by `model`; ConfigFileError names the line and field of a mistake."""
    return parse_with_data(content, source, model)[0]


def parse_with_data(content: str | bytes, source: str, model: type[M]) -> tuple[M, Any]:
    """The validated model and the plain data it was validated from (kept by stores that
    record a document as it was read)."""
    root, data = parse_data(content, source)
    return validate(model, data, source, root), data


def parse_data(
    content: str | bytes, source: str, *, as_written: bool = False
) -> tuple[yaml.Node, Any]:
    """The document's root node and its plain data; a syntax error names its line.
    `as_written` keeps every scalar as the text written (null as None) for the model to type."""
    text = content.decode("utf-8") if isinstance(content, bytes) else content
    root = load(text, source)
    if as_written:
        return root, written(root, source)
    return root, yaml.SafeLoader(text).get_single_data()


def in_fields(error: ErrorDetails) -> str:
    """A pydantic error as `categories[2].keywords.en: message`."""
    return f"{dotted(error['loc']) or '(top)'}: {error['msg']}"


def validate(
    model: type[M], data: Any, source: str, root: yaml.Node,
    describe: Callable[[ErrorDetails], str] = in_fields,
) -> M:
    """`data` validated by `model`; ConfigFileError gives each mistake's line and, in the
    words of `describe`, its reason."""
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise invalid(error, source, root, describe) from None


def read_model(path: Path, model: type[M]) -> M:
    """The file at `path` validated by `model`, errors named by the file's name."""
    path = Path(path)
    return parse_model(path.read_bytes(), path.name, model)


def invalid(
    error: ValidationError, source: str, root: yaml.Node,
    describe: Callable[[ErrorDetails], str] = in_fields,
) -> ConfigFileError:
    """One ConfigFileError for every problem pydantic found, each at the line it concerns."""
    problems = [(line_of(root, e["loc"]), describe(e)) for e in error.errors(include_url=False)]
    (line, reason), *more = problems
    if more:
        reason += "".join(f"; {source}:{at}: {what}" for at, what in more)
    return ConfigFileError(source, line, reason)


def written(node: yaml.Node, source: str) -> Any:
    """The node's data with every scalar as written, null as None; a key given twice, or one
    that is not a text, is refused at its line."""
    if isinstance(node, yaml.SequenceNode):
        return [written(item, source) for item in node.value]
    if not isinstance(node, yaml.MappingNode):
        return None if node.tag == "tag:yaml.org,2002:null" else node.value
    data: dict[str, Any] = {}
    for key, value in node.value:
        if not isinstance(key, yaml.ScalarNode) or key.value in data:
            what = f"{key.value!r} is given twice" if isinstance(key, yaml.ScalarNode) else (
                "a key must be a text")
            raise ConfigFileError(source, key.start_mark.line + 1, what)
        data[key.value] = written(value, source)
    return data


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
