"""The kinds of refusal the resolution domain raises; each concept module declares its own."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from contracts.resolution import RefusalRule, RefusedAction


class DomainError(Exception):
    """A command the domain refuses.

    The message is an English template and its values (`Invalid("at most {n} whys", n=10)`):
    str() is the English text, and the message catalogue (services.resolution.messages) finds
    the same template's translation by it.
    """

    def __init__(self, template: str = "", /, **params: Any) -> None:
        self.template = template
        self.params = params
        super().__init__(template.format(**params) if params else template)


class NotFound(DomainError):
    """The command names something the case does not have."""


T = TypeVar("T")


def find(items: Mapping[str, T], key: str, missing: type[NotFound], template: str,
         **params: Any) -> T:
    """The item with this key, or `missing(template, **params)` raised."""
    try:
        return items[key]
    except KeyError:
        raise missing(template, **params) from None


class WrongState(DomainError):
    """The command does not fit the case's current state."""


class Invalid(DomainError):
    """The command's content is not acceptable."""


class NotAllowed(DomainError):
    """A control refused the actor; the refusal is recorded on the case for auditors."""

    action: RefusedAction = RefusedAction.HANDLE
    rule: RefusalRule

    def __init__(
        self, template: str, *, actor: str, action: RefusedAction | None = None,
        proposal_id: str | None = None, **params: Any,
    ) -> None:
        super().__init__(template, actor=actor, proposal_id=proposal_id, **params)
        self.detail = str(self)
        self.actor = actor
        self.action = action or type(self).action
        self.proposal_id = proposal_id


class Conflicted(NotAllowed):
    """Recusal (回避): the person is declared conflicted on this complaint."""

    rule = RefusalRule.RECUSAL


class SelfApproval(NotAllowed):
    """Four eyes: the proposer (or an earlier approver) may not approve again."""

    action = RefusedAction.APPROVE
    rule = RefusalRule.FOUR_EYES


class MissingApproverRole(NotAllowed):
    """The approver does not hold the role this approval step requires."""

    action = RefusedAction.APPROVE
    rule = RefusalRule.APPROVER_ROLE


class NotApproved(NotAllowed):
    """The proposal needs approval that it does not (yet) have: it cannot be executed."""

    action = RefusedAction.EXECUTE
    rule = RefusalRule.APPROVAL_REQUIRED
