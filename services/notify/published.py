"""Maps notify's stored events to the published delivery records; plans, cancellations and the
complaint files stay internal. A record names the message's rule, recipient (staff id, or
`customer`), channel and outcome, never its text nor an address."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from contracts.notify import NotificationFailed, NotificationSent
from runtime.attribution import FirstEvents
from runtime.translation import Translator
from services.notify.domain import Notification

Load = Callable[[Any, int], Notification]


def translator(*, source: str, app: Any, first_events: FirstEvents | None = None) -> Translator:
    """The translator the outbox relay (and the audit reader) publishes notify's events with:
    each event carries its delivery record. Only one stored before (version 1 or 2) is read as
    of its message, the one read-back left here, for old events only."""

    def delivery(stored: Any) -> dict[str, Any]:
        if stored.delivery is not None:
            return stored.delivery
        message = app.repository.get(stored.originator_id, version=stored.originator_version)
        return message.delivery(attempts=message.attempts)

    def sent(stored: Any) -> NotificationSent:
        return NotificationSent(**delivery(stored), sent_at=stored.at)

    def failed(stored: Any) -> NotificationFailed:
        return NotificationFailed(**delivery(stored), failed_at=stored.at, reason=stored.reason)

    return Translator(source=source, first_events=first_events, mappings={
        Notification.Sent: sent, Notification.Failed: failed,
    })
