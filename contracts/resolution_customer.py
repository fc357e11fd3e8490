"""Resolution's events of its contact with the customer (contracts.resolution publishes them):
messages, surveys and feedback, first response, waits and replies, follow-ups (回访)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import Field

from contracts.envelope import ComplaintEvent
from contracts.intake import Channel
from contracts.personal import Personal
from contracts.resolution_kinds import SEALED_BY_CASE, MessageKind


class CustomerNotified(ComplaintEvent):
    """The customer was told about the complaint on a channel."""

    event_type = "resolution.customer_notified.v1"
    channel: Channel
    message_kind: MessageKind
    message: Annotated[str | None, Personal.TEXT] = Field(
        None, description="Text for the customer, written by an agent"
    )
    link: str | None = Field(None, description=(
        "A link for the customer that is not a credential; never a survey's link, whose token "
        "is the key to the survey (see survey_id)"
    ))
    notified_by: str | None = Field(None, description="User id, or `system`")
    survey_id: str | None = Field(None, description=(
        "The survey sent, when message_kind is survey: a reference, not its link (the token "
        "is given only to who issued it; it expires and can be revoked)"
    ))


class SurveyRevoked(ComplaintEvent):
    """A survey's link was revoked before it was answered: it no longer opens the survey."""

    event_type = "resolution.survey_revoked.v1"
    survey_id: str
    revoked_by: str = Field(description="User id of who revoked it")
    reason: Annotated[str, Personal.TEXT] = Field(description=f"Free text, {SEALED_BY_CASE}")


class FeedbackReceived(ComplaintEvent):
    """The customer answered the satisfaction survey."""

    event_type = "resolution.feedback_received.v1"
    csat: int = Field(ge=1, le=5, description="Customer satisfaction, 1 (poor) to 5 (excellent)")
    nps: int | None = Field(None, ge=0, le=10, description="Likelihood to recommend, 0 to 10")
    comment: Annotated[str | None, Personal.TEXT] = None


class FirstResponseSent(ComplaintEvent):
    """The customer got the first response from a person: stops the first-response clock."""

    event_type = "resolution.first_response_sent.v1"
    responder: str = Field(description="User id of the agent who responded")
    channel: Channel | None = Field(None, description="Where the customer was answered")
    sent_at: datetime


class CustomerWaitStarted(ComplaintEvent):
    """The complaint waits on the customer (information, a document): pauses SLA clocks."""

    event_type = "resolution.customer_wait_started.v1"
    actor: str = Field(description="User id of who put the complaint on hold")
    reason: str
    started_at: datetime


class CustomerReplied(ComplaintEvent):
    """The customer answered while the complaint waited on them: SLA clocks resume."""

    event_type = "resolution.customer_replied.v1"
    recorded_by: str = Field(description="User id of who recorded the reply, or `system`")
    channel: Channel | None = None
    replied_at: datetime


class FollowUpOpened(ComplaintEvent):
    """A low survey score opened a follow-up (回访) for the case's owner: the case does not close
    until it is done or the customer accepts the outcome."""

    event_type = "resolution.follow_up_opened.v1"
    task_id: str
    survey_id: str
    assignee: str | None = Field(description="The owning agent, or None when a queue owns it")
    owner_queue: str | None = None
    due_at: datetime


class FollowUpCompleted(ComplaintEvent):
    """A follow-up ended: done by staff, or the customer accepted the outcome."""

    event_type = "resolution.follow_up_completed.v1"
    task_id: str
    outcome: str = Field(pattern=r"^(done|customer_accepted)$")
    completed_by: str = Field(description="User id, or `customer`")
    note: Annotated[str | None, Personal.TEXT] = None
