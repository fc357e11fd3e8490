"""Who must approve a proposal, by kind of resolution and amount: a declarative policy."""

from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from contracts.resolution import ResolutionKind
from runtime.auth.roles import APPROVER_ROLES
from services.resolution.domain.errors import Invalid


class ApprovalStep(BaseModel):
    """One approval, required once the amount reaches `from_amount`."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    role: str = Field(pattern=r"^[a-z][a-z0-9_]{0,63}$")
    from_amount: Decimal = Field(Decimal("0"), ge=0, decimal_places=2)

    @field_validator("role")
    @classmethod
    def check_role_may_approve(cls, role: str) -> str:
        # A role nobody can be minted with, or one without approvals:decide, blocks every
        # proposal that reaches its step.
        if role not in APPROVER_ROLES:
            approvers = ", ".join(sorted(APPROVER_ROLES))
            raise ValueError(f"{role!r} is not a role that decides approvals ({approvers})")
        return role


class ApprovalPolicy(BaseModel):
    """Approval steps by kind; amounts are in the policy's one currency."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    version: str = Field(min_length=1)
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    rules: dict[ResolutionKind, tuple[ApprovalStep, ...]]

    @model_validator(mode="after")
    def check_rules(self) -> ApprovalPolicy:
        missing = set(ResolutionKind) - set(self.rules)
        if missing:
            raise ValueError(f"no approval rule for {sorted(missing)}")
        for kind, steps in self.rules.items():
            roles = [step.role for step in steps]
            if len(set(roles)) != len(roles):
                raise ValueError(f"{kind}: a role appears twice in the chain")
            thresholds = [step.from_amount for step in steps]
            if thresholds != sorted(thresholds):
                raise ValueError(f"{kind}: steps must be in order of from_amount")
        return self

    def chain_for(
        self, kind: ResolutionKind, amount: Decimal | None, currency: str | None
    ) -> tuple[str, ...]:
        """The roles that must approve, in order; empty when no approval is needed."""
        if amount is not None and currency != self.currency:
            raise UnsupportedCurrency(
                "approval thresholds are in {policy_currency}, the proposal is in {currency}",
                policy_currency=self.currency, currency=currency,
            )
        reached = amount or Decimal("0")
        return tuple(step.role for step in self.rules[kind] if reached >= step.from_amount)


class UnsupportedCurrency(Invalid):
    """The proposal's currency is not the one the policy's thresholds are in."""
