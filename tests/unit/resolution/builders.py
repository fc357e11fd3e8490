"""Cases in a given state, built through the domain's own commands (no store)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from contracts.intake import Channel
from contracts.resolution import MessageKind
from services.resolution.config import PACKAGE
from services.resolution.domain import Case
from services.resolution.domain.approval_policy import ApprovalPolicy
from services.resolution.domain.solutions import SolutionLibrary
from services.resolution.policy_files import PolicyFile

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
HANDLER = "agent-0142"
SHA = "a" * 64
POLICY = PolicyFile(PACKAGE / "approval_policy.yaml", ApprovalPolicy).current()
LIBRARY = PolicyFile(PACKAGE / "solutions.yaml", SolutionLibrary).current()


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def new_case() -> Case:
    case = Case(complaint_id="c-1", tenant="t", owner_queue="billing", owner_agent_id=HANDLER,
                cause=None)
    case.accept(agent=HANDLER, at=at(1))
    return case


def with_proposal(
    case: Case, *, solution_id: str = "refund", amount: str | None = "1500.00",
    proposal_id: str = "p-1", by: str = HANDLER,
) -> Case:
    solution = LIBRARY.get(solution_id)
    money = Decimal(amount) if amount else None
    currency = POLICY.currency if money else None
    case.propose(
        proposal_id=proposal_id, solution=solution, amount=money, currency=currency,
        description=solution.description.en,
        chain=POLICY.chain_for(solution.kind, money, currency),
        by=by, at=at(2),
    )
    return case


def approved(case: Case, proposal_id: str = "p-1") -> Case:
    for step, (approver, role) in enumerate(
        [("lead-1", "team_lead"), ("fin-1", "finance"), ("head-1", "department_head")]
    ):
        proposal = case.proposal(proposal_id)
        if proposal.next_step > len(proposal.chain):
            break
        case.approve(proposal_id=proposal_id, approver=approver, roles={role}, at=at(3 + step))
    return case


def executed(case: Case, proposal_id: str = "p-1") -> Case:
    case.execute(proposal_id=proposal_id, by=HANDLER, evidence_ids=[], at=at(10))
    return case


def resolved(case: Case | None = None, *, root_cause: bool = True) -> Case:
    """Executed, told the customer, root cause recorded (unless not wanted): ready to close."""
    case = executed(approved(with_proposal(case or new_case())))
    case.notify(channel=Channel.EMAIL, kind=MessageKind.RESOLUTION, message="Refunded",
                by=HANDLER, at=at(11))
    if root_cause:
        case.record_root_cause(category="payment_retry", why_chain=["The gateway retried"],
                               by=HANDLER, at=at(12))
    return case


def attach(case: Case, evidence_id: str = "ev-1") -> Case:
    case.attach_evidence(evidence_id=evidence_id, sha256=SHA, filename="receipt.pdf",
                         content_type="application/pdf", size_bytes=10, by=HANDLER, at=at(2))
    return case


def event_names(case: Case) -> list[str]:
    return [type(e).__name__ for e in case.collect_events()]
