"""API models derived from the dataclasses they show, so a field is declared once."""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Collection, Mapping
from typing import Any

from pydantic import BaseModel, create_model


def view_of(
    source: type, name: str, /, *, doc: str | None, module: str, leave_out: Collection[str] = (),
    fields: Mapping[str, Any] | None = None,
) -> type[BaseModel]:
    """A response model named `name` with `source`'s fields in its order, every one required,
    less `leave_out`; `fields` (pydantic's `(type, default)` pairs) replace or add fields."""
    hints = typing.get_type_hints(source)
    shown: dict[str, Any] = {
        f.name: (hints[f.name], ...) for f in dataclasses.fields(source) if f.name not in leave_out
    }
    return create_model(name, __doc__=doc, __module__=module, **{**shown, **(fields or {})})
