"""What the customer is told and when: progress, notifications, first response, waiting."""

from __future__ import annotations

from datetime import datetime

from eventsourcing.domain import Aggregate, event

from contracts.intake import Channel
from contracts.resolution import MessageKind, NoteVisibility
from runtime.attribution import recall
from services.resolution.domain.case_guards import CaseGuards
from services.resolution.domain.errors import Invalid, WrongState

SYSTEM = "system"


class CommunicationMixin(CaseGuards):
    """Progress updates, customer notifications and waiting on the customer, on the case."""

    def _init_communication(self) -> None:
        self.updates: list[dict] = []
        self.notifications: list[dict] = []
        self.first_response_at: datetime | None = None
        self.waiting_since: datetime | None = None
        self.resolution_notified_at: datetime | None = None
        self.quiet_since: datetime | None = None

    def post_update(
        self, *, update_id: str, author: str, text: str, visibility: NoteVisibility,
        channel: Channel | None, at: datetime,
    ) -> None:
        """Record progress; a customer-visible update is also sent to the customer."""
        self.check_may_act(author)
        check_text(text)
        if visibility == NoteVisibility.CUSTOMER and channel is None:
            raise ChannelRequired("a customer-visible update needs the customer's channel")
        self._updated(update_id=update_id, author=author, text=text, visibility=visibility, at=at)
        if visibility == NoteVisibility.CUSTOMER:
            self._notify(channel, MessageKind.PROGRESS_UPDATE, text, author, at)

    def notify(
        self, *, channel: Channel, kind: MessageKind, message: str | None, by: str, at: datetime
    ) -> None:
        """Tell the customer something on their channel."""
        self.check_may_act(by)
        if kind == MessageKind.SURVEY:
            raise Invalid("surveys are sent with their own token: issue a survey instead")
        if kind == MessageKind.RESOLUTION and self.executed_proposal_id is None:
            raise NothingToNotify("no resolution was executed yet")
        if message is not None:
            check_text(message)
        self._notify(channel, kind, message, by, at)

    def _notify(
        self, channel: Channel, kind: MessageKind, message: str | None, by: str, at: datetime,
        *, survey_id: str | None = None,
    ) -> None:
        # No link is recorded: the survey's link holds its token, a credential (survey_id
        # refers to the survey instead).
        self._notified(channel=channel, kind=kind, message=message, link=None, by=by, at=at,
                       survey_id=survey_id)
        if self.first_response_at is None and by != SYSTEM:
            self._first_response_sent(responder=by, channel=channel, at=at)

    def wait_for_customer(self, *, actor: str, reason: str, at: datetime) -> None:
        """The complaint waits on the customer; SLA clocks pause."""
        self.check_may_act(actor)
        check_text(reason)
        if self.waiting_since is not None:
            raise AlreadyWaiting("waiting on the customer since {since}", since=self.waiting_since)
        self._wait_started(actor=actor, reason=reason, at=at)

    def customer_replied(self, *, by: str, channel: Channel | None, at: datetime) -> None:
        """The customer answered what the complaint waited for; SLA clocks resume."""
        self.check_may_handle(by)
        if self.waiting_since is None:
            raise NotWaiting("the complaint is not waiting on the customer")
        self._replied(by=by, channel=channel, at=at)

    @event("ProgressUpdated")
    def _updated(
        self, *, update_id: str, author: str, text: str, visibility: NoteVisibility, at: datetime
    ) -> None:
        self.updates.append(
            {"update_id": update_id, "author": author, "text": text,
             "visibility": str(visibility), "at": at}
        )

    class CustomerNotified(Aggregate.Event):
        """Version 2 added survey_id, and no longer keeps a survey's link: version 1 stored
        the link with the survey's token, which the upcast drops (the stored bytes stay as
        sealed in the audit chain)."""

        class_version = 3  # 3: names its tenant and complaint (runtime.attribution)
        channel: Channel
        kind: MessageKind
        message: str | None
        link: str | None
        by: str
        at: datetime
        survey_id: str | None

        @staticmethod
        def upcast_v1_v2(state: dict) -> None:
            state["survey_id"] = None
            if str(state.get("kind")) == MessageKind.SURVEY:
                state["link"] = None

        upcast_v2_v3 = staticmethod(recall)

    @event(CustomerNotified)
    def _notified(
        self, *, channel: Channel, kind: MessageKind, message: str | None, link: str | None,
        by: str, at: datetime, survey_id: str | None,
    ) -> None:
        self.notifications.append(
            {"channel": str(channel), "kind": str(kind), "message": message, "by": by, "at": at}
        )
        if kind in (MessageKind.RESOLUTION, MessageKind.SURVEY):
            self.quiet_since = at
        if kind == MessageKind.RESOLUTION:
            self.resolution_notified_at = at

    @event("FirstResponseSent")
    def _first_response_sent(
        self, *, responder: str, channel: Channel | None, at: datetime
    ) -> None:
        self.first_response_at = at

    @event("CustomerWaitStarted")
    def _wait_started(self, *, actor: str, reason: str, at: datetime) -> None:
        self.waiting_since = at

    @event("CustomerReplied")
    def _replied(self, *, by: str, channel: Channel | None, at: datetime) -> None:
        self.waiting_since = None
        self.quiet_since = None


def check_text(text: str) -> None:
    """Raise BlankText for empty or whitespace-only text."""
    if not text or not text.strip():
        raise BlankText("text must not be blank")


class BlankText(Invalid):
    """Text that says nothing."""


class ChannelRequired(Invalid):
    """Telling the customer needs their channel."""


class NothingToNotify(WrongState):
    """There is no resolution to tell the customer about."""


class AlreadyWaiting(WrongState):
    """The complaint already waits on the customer."""


class NotWaiting(WrongState):
    """The complaint is not waiting on the customer."""
