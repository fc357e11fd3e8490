"""Applies consumed events to a service exactly once, routed by event type."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from enum import StrEnum
from typing import Any

from contracts.envelope import DomainEvent, Envelope
from runtime import lifecycle, tracing
from runtime.eventstore import Cause, IntegrityError, ServiceApplication
from runtime.logs import bound

log = logging.getLogger(__name__)

Handler = Callable[[Any, DomainEvent, Envelope, Cause], None]


class Rejected(Exception):
    """The event can never be applied (invalid content); retrying will not help."""


class Outcome(StrEnum):
    HANDLED = "handled"
    DUPLICATE = "duplicate"
    IGNORED = "ignored"


def _no_effect(app: ServiceApplication, event: DomainEvent, envelope: Envelope,
               cause: Cause) -> None:
    """The service itself does nothing with the event; its lifecycle status is still kept."""


class Inbox:
    """Routes each consumed event to its handlers; a repeat of an event changes nothing.
    Whatever the handler does, the complaint's lifecycle status (runtime.lifecycle) follows the
    event in the same transaction."""

    def __init__(
        self,
        *,
        app: ServiceApplication,
        consumer: str,
        handlers: Mapping[type[DomainEvent], Handler],
    ) -> None:
        self.app = app
        self.consumer = consumer
        self.handlers = handlers

    def process_batch(self, events: Sequence[tuple[Envelope, DomainEvent]]) -> list[Outcome]:
        """Apply events in order in one transaction, with the record of processing each.

        Stops at the first event that raises: its partial effects are undone (a savepoint),
        the ones before it are committed, and the outcomes returned are of those alone, so
        the caller applies the rest one by one (retries, dead letters) in their order.
        """
        outcomes: list[Outcome] = []
        self.app.prepare(events)
        with self.app.batch():
            for envelope, event in events:
                try:
                    with self.app.savepoint():
                        outcomes.append(self.process(envelope, event))
                except Exception as error:
                    log.info("batch stops at a failing event; the rest go one by one",
                             extra={"event_id": str(envelope.id), "error": repr(error)})
                    break
        return outcomes

    def process(self, envelope: Envelope, event: DomainEvent) -> Outcome:
        """Apply one event; its effects and the record of processing it commit together."""
        handler = self.handlers.get(type(event))
        if handler is None and lifecycle.sets_status(event):
            handler = _no_effect
        if handler is None:
            return Outcome.IGNORED
        cause = Cause(event_id=envelope.id, consumer=self.consumer,
                      also=lambda: lifecycle.changed_by(self.app, envelope, event))
        with (tracing.consuming(self.consumer, envelope),
              bound(complaint_id=envelope.subject, correlation_id=envelope.correlationid)):
            if self.app.has_processed(cause):
                return Outcome.DUPLICATE
            try:
                with self.app.noting_saves() as saved:
                    handler(self.app, event, envelope, cause)
            except IntegrityError:
                if self.app.has_processed(cause):
                    return Outcome.DUPLICATE
                raise
            # A handler that decided the event needs no effect saved nothing: record that.
            if cause not in saved:
                self.app.acknowledge(cause)
            log.info("applied %s", envelope.type, extra={"event_id": str(envelope.id)})
            return Outcome.HANDLED
