"""Delivery records published by the notify service on `notify.events.v1`.

They say what was sent to whom, over which channel, when and with what outcome; never the
message, nor the recipient's address: the audit history shows deliveries without bodies.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import Field

from contracts.envelope import DomainEvent

# StrEnum("Name", "A B_C") declares Name.A = "a", Name.B_C = "b_c": values are the
# member names in lower case.
NotifyChannel = StrEnum("NotifyChannel", "EMAIL WEBHOOK WECOM DINGTALK WECHAT SMS")


RecipientRole = StrEnum("RecipientRole", (
    "OWNER DEPARTMENT_LEAD ESCALATION_CHAIN APPROVERS SUBSCRIBERS CUSTOMER"
))


class _Delivery(DomainEvent):
    complaint_id: str | None = Field(
        None, description="The complaint the message was about; None for alerts on no one "
        "complaint (analytics spikes)"
    )
    notification_id: str = Field(description="One per (event, recipient, channel)")
    cause_event_id: str = Field(description="Id of the event the message told about")
    cause_event_type: str
    rule_id: str = Field(description="The notification rule that chose this message")
    rules_version: str
    recipient: str = Field(
        description="Staff user id, or `customer` (the customer's address is never published)"
    )
    role: RecipientRole
    channel: NotifyChannel
    template: str = Field(description="The template the message was rendered from")
    language: str
    attempts: int = Field(ge=1)


class NotificationSent(_Delivery):
    """A message was handed to its channel's provider, which accepted it."""

    event_type = "notification.sent.v1"
    sent_at: datetime


class NotificationFailed(_Delivery):
    """A message could not be delivered after every retry: dead-lettered with the reason."""

    event_type = "notification.failed.v1"
    failed_at: datetime
    reason: str = Field(description="The provider's last error, or why no send was possible")


EVENTS: tuple[type[DomainEvent], ...] = (NotificationSent, NotificationFailed)
