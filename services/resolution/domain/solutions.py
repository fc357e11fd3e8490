"""The solution library: the ways a complaint may be resolved, with amounts and their rules."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from types import MappingProxyType

from pydantic import BaseModel, ConfigDict, Field, model_validator

from contracts.resolution import ResolutionKind
from services.resolution.domain.errors import Invalid, NotFound
from services.resolution.domain.language import Labels

Amount = Decimal


class AmountRule(BaseModel):
    """Whether a kind of resolution carries money."""

    model_config = ConfigDict(frozen=True)
    required: bool
    allowed: bool


# Money is the point of refunds and compensation; an apology or support has none; a
# replacement may state the value of the goods sent.
AMOUNT_RULES: Mapping[ResolutionKind, AmountRule] = MappingProxyType({
    ResolutionKind.REFUND: AmountRule(required=True, allowed=True),
    ResolutionKind.COMPENSATION: AmountRule(required=True, allowed=True),
    ResolutionKind.REPLACEMENT: AmountRule(required=False, allowed=True),
    ResolutionKind.TECHNICAL_SUPPORT: AmountRule(required=False, allowed=False),
    ResolutionKind.EXPLANATION_APOLOGY: AmountRule(required=False, allowed=False),
})


class Solution(BaseModel):
    """One entry of the library: a kind of resolution with a default text and amount."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")
    kind: ResolutionKind
    title: Labels = Field(description="The title in every language resolution speaks")
    description: Labels = Field(description="The default text for the customer, per language")
    default_amount: Amount | None = Field(None, gt=0, decimal_places=2)
    max_amount: Amount | None = Field(None, gt=0, decimal_places=2)

    @model_validator(mode="after")
    def check_amounts(self) -> Solution:
        rule = AMOUNT_RULES[self.kind]
        if not rule.allowed and (self.default_amount or self.max_amount):
            raise ValueError(f"a {self.kind} solution carries no amount")
        if self.default_amount and self.max_amount and self.default_amount > self.max_amount:
            raise ValueError("default_amount exceeds max_amount")
        return self

    def check_amount(self, amount: Amount | None) -> None:
        """Raise AmountNotAccepted unless the amount fits this solution's kind and cap."""
        rule = AMOUNT_RULES[self.kind]
        if amount is None and rule.required:
            raise AmountNotAccepted("a {kind} needs an amount", kind=str(self.kind))
        if amount is not None and not rule.allowed:
            raise AmountNotAccepted("a {kind} carries no amount", kind=str(self.kind))
        if amount is not None and amount <= 0:
            raise AmountNotAccepted("the amount must be positive")
        if amount is not None and self.max_amount is not None and amount > self.max_amount:
            raise AmountNotAccepted("{solution_id} is capped at {max_amount}",
                                    solution_id=self.id, max_amount=self.max_amount)


class SolutionLibrary(BaseModel):
    """Every solution an agent may propose, by id; validated when the file is loaded."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    version: str = Field(min_length=1)
    solutions: tuple[Solution, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def check_library(self) -> SolutionLibrary:
        ids = [s.id for s in self.solutions]
        if len(set(ids)) != len(ids):
            raise ValueError("solution ids must be unique")
        missing = set(ResolutionKind) - {s.kind for s in self.solutions}
        if missing:
            raise ValueError(f"no solution of kind {sorted(missing)}")
        return self

    def get(self, solution_id: str) -> Solution:
        """The solution with this id (UnknownSolution)."""
        for solution in self.solutions:
            if solution.id == solution_id:
                return solution
        raise UnknownSolution("no solution {solution_id!r} in library {version}",
                              solution_id=solution_id, version=self.version)


class UnknownSolution(NotFound):
    """The library has no solution with this id."""


class AmountNotAccepted(Invalid):
    """The amount does not fit the kind of resolution or the solution's cap."""
