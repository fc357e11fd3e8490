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


def _common(message: Notification) -> dict[str, Any]:
    return {
        "complaint_id": message.complaint_id, "notification_id": str(message.id),
        "cause_event_id": message.cause_event_id, "cause_event_type": message.cause_event_type,
        "rule_id": message.rule_id, "rules_version": message.rules_version,
        "recipient": message.recipient, "role": message.role, "channel": message.channel,
        "template": message.template, "language": message.language,
        "attempts": message.attempts,
    }


def translator(*, source: str, app: Any, first_events: FirstEvents | None = None) -> Translator:
    """The translator the outbox relay (and the audit reader) publishes notify's events with;
    the message as it stood after the stored event gives the record its details."""

    def as_of(stored: Any) -> Notification:
        return app.repository.get(stored.originator_id, version=stored.originator_version)

    def sent(stored: Any) -> NotificationSent:
        return NotificationSent(**_common(as_of(stored)), sent_at=stored.at)

    def failed(stored: Any) -> NotificationFailed:
        return NotificationFailed(**_common(as_of(stored)), failed_at=stored.at,
                                  reason=stored.reason)

    return Translator(source=source, first_events=first_events, mappings={
        Notification.Sent: sent, Notification.Failed: failed,
    })
