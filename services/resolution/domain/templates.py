"""Investigation note templates: 5 Whys and 5W2H as structured, validated fields, rendered
with their labels in the complaint's language."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from pydantic_core import PydanticCustomError

from contracts.intake import Language
from services.resolution.domain.errors import Invalid, NotFound
from services.resolution.domain.language import DEFAULT, Labels, labelled

Text = Field(min_length=1, max_length=2_000)
# The error type of a later field filled while an earlier one is empty (ctx: later, earlier).
FIELD_GAP = "field_gap"
OptionalText = Field(None, min_length=1, max_length=2_000)


class _Template(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    LABELS: ClassVar[Mapping[str, Labels]]

    def render(self, language: Language | str | None = DEFAULT) -> str:
        return "\n".join(f"{self.LABELS[name].in_(language)}{_colon(language)}{value}"
                         for name, value in self.model_dump().items() if value is not None)


def _colon(language: Language | str | None) -> str:
    return "：" if language == Language.ZH else ": "


class FiveWhys(_Template):
    """Ask why until the root cause: the problem, at least three whys, the root cause."""

    LABELS = labelled(
        problem=("Problem", "问题"), why_1=("Why 1", "为什么 1"), why_2=("Why 2", "为什么 2"),
        why_3=("Why 3", "为什么 3"), why_4=("Why 4", "为什么 4"), why_5=("Why 5", "为什么 5"),
        root_cause=("Root cause", "根本原因"),
    )

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
            raise PydanticCustomError(FIELD_GAP, "{later} needs {earlier}",
                                      {"later": "why_5", "earlier": "why_4"})
        return self


class FiveW2H(_Template):
    """What, why, where, when, who, how, how much."""

    LABELS = labelled(
        what=("What", "何事"), why=("Why", "何因"), where=("Where", "何地"),
        when=("When", "何时"), who=("Who", "何人"), how=("How", "如何"),
        how_much=("How much", "多少"),
    )

    what: str = Text
    why: str = Text
    where: str = Text
    when: str = Text
    who: str = Text
    how: str = Text
    how_much: str | int | float = Field(description="Cost, quantity or extent")


TEMPLATES: Mapping[str, type[_Template]] = {"five_whys": FiveWhys, "5w2h": FiveW2H}


def fill(
    template: str, fields: Mapping[str, Any], language: Language | str | None = DEFAULT
) -> tuple[dict[str, Any], str]:
    """The template's validated fields and their text with labels in `language` (NotFound,
    InvalidTemplateFields)."""
    model = TEMPLATES.get(template)
    if model is None:
        raise UnknownTemplate("no note template {template!r}; known: {known}",
                              template=template, known=sorted(TEMPLATES))
    try:
        filled = model.model_validate(dict(fields))
    except ValidationError as error:
        raise InvalidTemplateFields(
            template, error.errors(include_url=False, include_input=False)
        ) from None
    return filled.model_dump(), filled.render(language)


def describe(language: Language | str | None = DEFAULT) -> dict[str, dict[str, Any]]:
    """Each template's JSON Schema, its fields titled in `language`, for clients that build
    the form."""
    described = {}
    for name, model in TEMPLATES.items():
        schema = model.model_json_schema()
        for field, labels in model.LABELS.items():
            schema["properties"][field]["title"] = labels.in_(language)
        described[name] = schema
    return described


class UnknownTemplate(NotFound):
    """No template has this id."""


class InvalidTemplateFields(Invalid):
    """The fields do not fill the template: pydantic's errors (type, loc, msg, ctx) are kept,
    so the API can name each problem in the caller's language; str() is the English."""

    def __init__(self, template: str, errors: Sequence[Mapping[str, Any]]) -> None:
        self.template_id = template
        self.errors = [dict(e) for e in errors]
        super().__init__("{problems}", problems="; ".join(
            f"{where}: {e['msg']}" for where, e in self.located()))

    def located(self) -> list[tuple[str, dict[str, Any]]]:
        """Each error with the field it is about: its dotted loc, or the template's id when
        the error is about the fields together."""
        return [(".".join(map(str, e["loc"])) or self.template_id, e) for e in self.errors]
