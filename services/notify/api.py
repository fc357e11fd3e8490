"""notify's HTTP API: customers' contact addresses (from the channel that filed the complaint),
the delivery record of a complaint, and the rules in force."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path, status
from pydantic import BaseModel, Field

from contracts.notify import NotifyChannel
from runtime import problems
from runtime.auth import Principal, Scope, require
from runtime.request_validation import RequestBody
from runtime.yaml_nodes import ConfigFileError
from services.notify.application import NotifyApplication
from services.notify.ruleset import NotifyRules

Filer = Annotated[Principal, Depends(require(Scope.COMPLAINTS_FILE))]
Reader = Annotated[Principal, Depends(require(Scope.COMPLAINTS_READ))]
ConfigReader = Annotated[Principal, Depends(require(Scope.CONFIG_READ))]
ConfigWriter = Annotated[Principal, Depends(require(Scope.CONFIG_WRITE))]
Id = Annotated[str, Path(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9._:-]+$")]


class Contact(RequestBody):
    """Where a customer wants to be told; each address is sealed with the customer's key."""

    email: str | None = Field(None, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=254)
    sms: str | None = Field(None, pattern=r"^\+?[0-9]{6,20}$")
    wechat: str | None = Field(None, min_length=1, max_length=128, description="Their openid")
    language: str | None = Field(None, pattern="^(zh|en)$")


class Delivery(BaseModel):
    notification_id: str
    rule_id: str
    recipient: str
    channel: NotifyChannel
    template: str
    language: str
    status: str
    attempts: int
    not_before: datetime
    finished_at: datetime | None
    reason: str | None


class Recipients(BaseModel):
    """What notify knows of a complaint to find its recipients."""

    owner: str | None
    department: str | None
    language: str | None
    customer_known: bool = Field(description="Whether the complaint's customer is known; "
                                 "their addresses are never shown")


class RulesInForce(BaseModel):
    version: str
    content_hash: str
    rules: list[str]

# A rule file the reload refuses, answered as a problem carrying why (runtime.problems).
ERRORS: problems.ErrorTable = {
    ConfigFileError: (status.HTTP_422_UNPROCESSABLE_CONTENT, "invalid-rule-file"),
}


def build_router(app: NotifyApplication, *, tenant: str, rules: Callable[[], NotifyRules],
                 reload: Callable[[], NotifyRules]) -> APIRouter:
    router = APIRouter(prefix="/v1", tags=["notify"], route_class=problems.mapping(ERRORS))

    @router.put("/customers/{customer_id}/contact", status_code=status.HTTP_204_NO_CONTENT,
                summary="Set where a customer is told (sealed; erased with the customer)")
    def put_contact(customer_id: Id, contact: Contact, _: Filer) -> None:
        addresses = {NotifyChannel(channel): value for channel, value in
                     contact.model_dump(exclude={"language"}).items() if value}
        app.register_contact(tenant=tenant, customer_id=customer_id, addresses=addresses,
                             language=contact.language)

    @router.get("/complaints/{complaint_id}/notifications", response_model=list[Delivery],
                summary="What was sent about a complaint, to whom, over which channel, how")
    def deliveries(complaint_id: Id, _: Reader) -> list[Delivery]:
        return [Delivery(
            notification_id=str(n.id), rule_id=n.rule_id, recipient=n.recipient,
            channel=NotifyChannel(n.channel), template=n.template, language=n.language,
            status=n.status.value, attempts=n.attempts, not_before=n.not_before,
            finished_at=n.finished_at, reason=n.reason,
        ) for n in app.notifications_of(complaint_id)]

    @router.get("/complaints/{complaint_id}/recipients", response_model=Recipients,
                summary="Who a complaint's messages go to: its owner, department, language")
    def recipients(complaint_id: Id, _: Reader) -> Recipients:
        file = app.complaint_file(complaint_id)
        if file is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, "notify has no event of it yet")
        return Recipients(owner=file.owner, department=file.department, language=file.language,
                          customer_known=file.customer_id is not None)

    @router.get("/rules", response_model=RulesInForce, summary="The notification rules in force")
    def rules_in_force(_: ConfigReader) -> RulesInForce:
        current = rules()
        return RulesInForce(version=current.version, content_hash=current.content_hash,
                            rules=[r.id for r in current.rules])

    @router.post("/rules/reload", response_model=RulesInForce,
                 summary="Read the rule file now; an invalid file changes nothing")
    def reload_rules(_: ConfigWriter) -> RulesInForce:
        current = reload()
        return RulesInForce(version=current.version, content_hash=current.content_hash,
                            rules=[r.id for r in current.rules])

    return router
