"""Investigation note templates: 5 Whys and 5W2H as structured, validated fields."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from services.resolution.domain.errors import Invalid, NotFound

Text = Field(min_length=1, max_length=2_000)
OptionalText = Field(None, min_length=1, max_length=2_000)


class _Template(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


class FiveWhys(_Template):
    """Ask why until the root cause: the problem, at least three whys, the root cause."""

    problem: str = Text
    why_1: str = Text
    why_2: str = Text
    why_3: str = Text
    why_4: str | None = OptionalText
    why_5: str | None = OptionalText
    root_cause: str = Text

    @model_validator(mode="after")
    def check_no_gaps(self) -> FiveWhys:
        if self.why_5 is not None and self.why_4 is None:
            raise ValueError("why_5 needs why_4")
        return self

    def render(self) -> str:
        whys = [w for w in (self.why_1, self.why_2, self.why_3, self.why_4, self.why_5) if w]
        lines = [f"Problem: {self.problem}"]
        lines += [f"Why {n}: {why}" for n, why in enumerate(whys, start=1)]
        return "\n".join([*lines, f"Root cause: {self.root_cause}"])


class FiveW2H(_Template):
    """What, why, where, when, who, how, how much."""

    what: str = Text
    why: str = Text
    where: str = Text
    when: str = Text
    who: str = Text
    how: str = Text
    how_much: str | int | float = Field(description="Cost, quantity or extent")

    def render(self) -> str:
        return "\n".join(f"{name.replace('_', ' ').title()}: {value}"
                         for name, value in self.model_dump().items())


TEMPLATES: Mapping[str, type[_Template]] = {"five_whys": FiveWhys, "5w2h": FiveW2H}


def fill(template: str, fields: Mapping[str, Any]) -> tuple[dict[str, Any], str]:
    """The template's validated fields and their text (NotFound, InvalidTemplateFields)."""
    model = TEMPLATES.get(template)
    if model is None:
        raise UnknownTemplate(f"no note template {template!r}; known: {sorted(TEMPLATES)}")
    try:
        filled = model.model_validate(dict(fields))
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(map(str, e['loc'])) or template}: {e['msg']}"
            for e in error.errors(include_url=False, include_input=False)
        )
        raise InvalidTemplateFields(problems) from None
    return filled.model_dump(), filled.render()


def describe() -> dict[str, dict[str, Any]]:
    """Each template's JSON Schema, for clients that build the form."""
    return {name: model.model_json_schema() for name, model in TEMPLATES.items()}


class UnknownTemplate(NotFound):
    """No template has this id."""


class InvalidTemplateFields(Invalid):
    """The fields do not fill the template."""
