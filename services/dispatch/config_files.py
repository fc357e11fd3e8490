"""What dispatch's configuration files (routing rules, roster) share: each is a pydantic model
read by the runtime's YAML loader with every scalar as written (`version: 2024.10` stays a
text), and a mistake is worded after whom it concerns: `rule a: priority must be an integer,
got 'high'`, `agent a: 'capacity' is required`."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, Generic, TypeVar

import yaml
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints
from pydantic_core import ErrorDetails

from runtime.yaml_files import line_of, parse_data, validate
from runtime.yaml_nodes import ConfigFileError

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")

# Whom a mistake at a location concerns, in words; the section's model; the rest of the location.
Owner = Callable[[tuple[Any, ...], Any], tuple[str, type[BaseModel], tuple[Any, ...]]]


class Section(BaseModel):
    """A mapping of a configuration file: a field it does not declare is a mistake."""

    model_config = ConfigDict(extra="forbid", frozen=True)


Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


def _listed(value: Any) -> Any:
    return [value] if isinstance(value, str) else value


# One value or a non-empty list of them.
OneOrMore = Annotated[tuple[T, ...], BeforeValidator(_listed), Field(min_length=1)]


@dataclass(frozen=True)
class Read(Generic[M]):
    """A validated file, with what a check across its items needs to name a line."""

    model: M
    root: yaml.Node
    source: str

    def line(self, loc: tuple[Any, ...]) -> int:
        """The line of what is at `loc` (a pydantic location) in the file."""
        return line_of(self.root, loc)

    def mistake(self, loc: tuple[Any, ...], reason: str) -> ConfigFileError:
        """The error for a check across items, at the line of `loc`."""
        return ConfigFileError(self.source, self.line(loc), reason)


def read(content: bytes, source: str, model: type[M], owner: Owner) -> Read[M]:
    """`content` validated by `model`; ConfigFileError names the line and reason of a mistake."""
    root, data = parse_data(content, source, as_written=True)
    return Read(validate(model, data, source, root, lambda error: _words(error, owner, data)),
                root, source)


def _words(error: ErrorDetails, owner: Owner, data: Any) -> str:
    loc = error["loc"]
    if error["type"] in ("missing", "extra_forbidden"):  # a mistake of the mapping that has them
        name, model, _ = owner(loc[:-1], data)
        return reason(error, name, model, loc[-1:])
    return reason(error, *owner(loc, data))


def named(kind: str, item: Any) -> str:
    """`rule fraud` for a rule whose id is written, else `rule`."""
    name = item.get("id") if isinstance(item, dict) else None
    return f"{kind} {name.strip()}" if isinstance(name, str) and name.strip() else kind


_INTEGER = "{subject} must be an integer, got {shown}"
_BOOLEAN = "{subject} must be true or false, got {shown}"
_TEXT = "{subject} must be a non-empty text"
_ONE_OF = "{subject}: {value!r} is not one of {choices}"
_WORDS = {
    "missing": "{owner}: {field!r} is required",
    "extra_forbidden": "{owner}: unknown field {field!r} (allowed: {allowed})",
    "int_parsing": _INTEGER, "int_type": _INTEGER,
    "greater_than_equal": "{subject} must be at least {ge}, got {value}",
    "bool_parsing": _BOOLEAN, "bool_type": _BOOLEAN,
    "string_type": _TEXT, "string_too_short": _TEXT,
    "too_short": "{subject} must not be an empty list",
    "tuple_type": "{subject} must be a list", "list_type": "{subject} must be a list",
    "dict_type": "{subject} must be a mapping", "model_type": "{subject} must be a mapping",
    "enum": _ONE_OF, "literal_error": _ONE_OF,
    "value_error": "{error}",  # a validator's own words, whole
}


def reason(error: ErrorDetails, owner: str, model: type[BaseModel], rest: tuple[Any, ...]) -> str:
    """One pydantic error in the words of whom it concerns."""
    value, ctx = error["input"], error.get("ctx", {})
    return _WORDS.get(error["type"], "{subject}: {msg}").format(
        owner=owner, field=rest[0] if rest else "", msg=error["msg"], value=value,
        subject=f"{owner}: {rest[0]}" if rest else owner,
        allowed=", ".join(sorted(model.model_fields)),
        shown="a list" if isinstance(value, list) else (
            "a mapping" if isinstance(value, dict) else repr(value)),
        choices=", ".join(sorted(re.findall(r"'([^']*)'", ctx.get("expected", "")))),
        **ctx,
    )
