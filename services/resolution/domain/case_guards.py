"""The guards every command of a case runs: the actor not recused, the case open.

Each concept mixin of `Case` inherits `CaseGuards`, so the guards it calls are in a class it
inherits; the state they read is kept by others (`Case` keeps the declared conflicts,
`ClosureMixin` knows whether the case is closed), and is declared here for type checkers
only: eventsourcing would turn an aggregate class with annotations into a dataclass.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from eventsourcing.domain import Aggregate

from contracts.resolution import RefusedAction
from services.resolution.domain.errors import Conflicted, WrongState


class CaseGuards(Aggregate):
    """Recusal and closure, checked by the case's commands."""

    if TYPE_CHECKING:
        conflicts: dict[str, str]  # person -> reason

        @property
        def is_closed(self) -> bool: ...

    def check_may_handle(
        self, actor: str, *, action: RefusedAction = RefusedAction.HANDLE,
        proposal_id: str | None = None,
    ) -> None:
        """Recusal (回避): a person declared conflicted may not act on this complaint."""
        if actor in self.conflicts:
            raise Conflicted(
                "{actor} is conflicted on this complaint: {reason}",
                actor=actor, action=action, proposal_id=proposal_id, reason=self.conflicts[actor],
            )

    def check_open(self) -> None:
        """Raise CaseClosed if the complaint is closed."""
        if self.is_closed:
            raise CaseClosed("the complaint is closed; reopen it first")

    def check_may_act(self, actor: str) -> None:
        """Recusal first, then closure: a conflicted person's attempt is refused as such (and
        recorded for auditors) even on a closed case."""
        self.check_may_handle(actor)
        self.check_open()


class CaseClosed(WrongState):
    """The complaint is closed."""
