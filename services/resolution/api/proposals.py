"""Routes of proposals: the solution library, proposing, approving, executing with tasks.

Approvers act with `approvals:decide`; the approval policy's roles (team_lead, finance, ...)
are the roles the token names. The amount approved is the one proposed: no request sets it.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Path, status
from pydantic import BaseModel, Field

from runtime.auth import Principal, Scope, require
from runtime.auth.masking import REDACTED, may_read_personal_data
from runtime.auth.pii_log import PiiAccessLog
from runtime.request_validation import RequestBody
from services.resolution.api.common import ComplaintId, on_case
from services.resolution.api.views import ProposalView, opened_or_masked, proposal_view
from services.resolution.application import ResolutionApplication
from services.resolution.domain.proposals import MAX_COMMENT
from services.resolution.messages import negotiate

ProposalId = Annotated[str, Path(min_length=1, max_length=64)]


class ProposalRequest(RequestBody):
    solution_id: str = Field(description="An id from GET /v1/solutions")
    amount: Decimal | None = Field(None, gt=0, decimal_places=2)
    currency: str | None = Field(None, pattern=r"^[A-Z]{3}$")
    description: str | None = Field(None, max_length=2_000)


class ApprovalRequest(RequestBody):
    comment: str | None = Field(None, min_length=1, max_length=MAX_COMMENT,
                                description="The approver's comment, kept on the case")


class RejectionRequest(RequestBody):
    reason: str = Field(min_length=1, max_length=1_000)
    comment: str | None = Field(None, min_length=1, max_length=MAX_COMMENT)


class TaskRequest(RequestBody):
    title: str = Field(min_length=1, max_length=300)
    assignee: str = Field(min_length=1, max_length=128)
    due_at: datetime


class CompletionRequest(RequestBody):
    evidence_ids: list[str] = Field(min_length=1, max_length=50)
    note: str | None = Field(None, max_length=2_000)


class ExecutionRequest(RequestBody):
    evidence_ids: list[str] = Field(default_factory=list, max_length=50)


class Created(BaseModel):
    id: str


def build_router(
    app: ResolutionApplication, *, route_class: type, pii_log: PiiAccessLog
) -> APIRouter:
    """Routes under /v1/cases/{complaint_id}/proposals, and the library."""
    router = APIRouter(prefix="/v1", tags=["proposals"], route_class=route_class)
    base = "/cases/{complaint_id}/proposals"
    ok = status.HTTP_204_NO_CONTENT
    reader = on_case(app, Scope.COMPLAINTS_READ)
    worker = on_case(app, Scope.COMPLAINTS_WORK)
    approver = on_case(app, Scope.APPROVALS_DECIDE)
    library = [Depends(require(Scope.COMPLAINTS_READ))]
    library_reader = Depends(require(Scope.COMPLAINTS_READ))

    @router.get("/solutions", summary="The solution library", dependencies=library)
    def solutions() -> dict[str, Any]:
        return app.policies.solutions().model_dump(mode="json")

    @router.get("/approval-policy", summary="Who approves what, by kind and amount, in the "
                "caller's tenant")
    def approval_policy(who: Principal = library_reader) -> dict[str, Any]:
        return app.policies.approval(who.tenant).model_dump(mode="json")

    @router.get("/root-causes", summary="The root-cause taxonomy a closure classifies with",
                dependencies=library)
    def root_causes() -> dict[str, Any]:
        return app.policies.root_causes().model_dump(mode="json")

    @router.post(base, status_code=201, response_model=Created,
                 summary="Propose a solution; the policy decides who must approve it")
    def propose(complaint_id: ComplaintId, body: ProposalRequest,
                who: Principal = worker) -> Created:
        return Created(id=app.propose(
            complaint_id=complaint_id, solution_id=body.solution_id, amount=body.amount,
            currency=body.currency, description=body.description, by=who.sub,
        ))

    @router.get(base + "/{proposal_id}", response_model=ProposalView, summary="A proposal")
    def get_proposal(complaint_id: ComplaintId, proposal_id: ProposalId,
                     caller: Principal = reader,
                     accept_language: Annotated[str | None, Header()] = None) -> ProposalView:
        case = app.get_case(complaint_id)
        view = proposal_view(case.proposal(proposal_id), negotiate(accept_language))
        if not may_read_personal_data(caller):
            return opened_or_masked(view, lambda _: REDACTED)
        pii_log.record(caller, complaint_id=complaint_id, fields=["proposals"])
        return opened_or_masked(view, partial(app.personal.open, case))

    @router.post(base + "/{proposal_id}/approvals", status_code=ok,
                 summary="Approve the current step (not the proposer; not conflicted)")
    def approve(complaint_id: ComplaintId, proposal_id: ProposalId,
                body: ApprovalRequest | None = None, who: Principal = approver) -> None:
        app.approve(complaint_id=complaint_id, proposal_id=proposal_id, approver=who.sub,
                    roles=who.role_names, comment=body.comment if body else None)

    @router.post(base + "/{proposal_id}/rejection", status_code=ok,
                 summary="Reject the proposal with a reason")
    def reject(
        complaint_id: ComplaintId, proposal_id: ProposalId, body: RejectionRequest,
        who: Principal = approver,
    ) -> None:
        app.reject(complaint_id=complaint_id, proposal_id=proposal_id, approver=who.sub,
                   roles=who.role_names, reason=body.reason, comment=body.comment)

    @router.post(base + "/{proposal_id}/tasks", status_code=201, response_model=Created,
                 summary="Assign a task of an approved proposal, with a due time")
    def assign_task(
        complaint_id: ComplaintId, proposal_id: ProposalId, body: TaskRequest,
        who: Principal = worker,
    ) -> Created:
        return Created(id=app.assign_task(
            complaint_id=complaint_id, proposal_id=proposal_id, title=body.title,
            assignee=body.assignee, due_at=body.due_at, by=who.sub,
        ))

    @router.post(base + "/{proposal_id}/tasks/{task_id}/completion", status_code=ok,
                 summary="Complete a task with evidence (the assignee)")
    def complete_task(
        complaint_id: ComplaintId, proposal_id: ProposalId,
        task_id: Annotated[str, Path(min_length=1, max_length=64)],
        body: CompletionRequest, who: Principal = worker,
    ) -> None:
        app.complete_task(complaint_id=complaint_id, proposal_id=proposal_id, task_id=task_id,
                          by=who.sub, evidence_ids=body.evidence_ids, note=body.note)

    @router.post(base + "/{proposal_id}/execution", status_code=ok,
                 summary="Record the approved proposal as carried out")
    def execute(
        complaint_id: ComplaintId, proposal_id: ProposalId, body: ExecutionRequest,
        who: Principal = worker,
    ) -> None:
        app.execute(complaint_id=complaint_id, proposal_id=proposal_id, by=who.sub,
                    evidence_ids=body.evidence_ids)

    return router
