"""The root-cause taxonomy: the codes a closure classifies its root cause with."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator

from services.resolution.domain.errors import Invalid
from services.resolution.domain.language import Labels

CODE = r"^[a-z][a-z0-9_.-]{0,63}$"


class RootCauseCategory(BaseModel):
    """One category: a stable code and its label in every language."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    code: str = Field(pattern=CODE)
    labels: Labels


class RootCauseTaxonomy(BaseModel):
    """Every root-cause category, by code; versioned, validated when the file is loaded."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    version: str = Field(min_length=1)
    categories: tuple[RootCauseCategory, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def check_codes(self) -> RootCauseTaxonomy:
        codes = [c.code for c in self.categories]
        duplicated = sorted({code for code in codes if codes.count(code) > 1})
        if duplicated:
            raise ValueError(f"root cause codes must be unique: {duplicated} repeat")
        return self

    @property
    def codes(self) -> list[str]:
        return [c.code for c in self.categories]

    def get(self, code: str) -> RootCauseCategory:
        """The category with this code (UnknownRootCause naming the allowed codes)."""
        for category in self.categories:
            if category.code == code:
                return category
        raise UnknownRootCause(
            "{code!r} is not a root cause category of taxonomy {version}; allowed: {allowed}",
            code=code, version=self.version, allowed=", ".join(self.codes),
        )


class UnknownRootCause(Invalid):
    """The code is not in the root-cause taxonomy."""
