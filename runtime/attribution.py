"""Every event of a complaint's aggregate names its tenant and complaint, so that publishing it
needs nothing but the event (no read-back of the store, no cache, no deployment default).

Events stored before this (event class version 1, or the version a class declared itself)
named the tenant only on the aggregate's first event, and the complaint id on the first event
(resolution), on every event (dispatch, sla, work) or as the aggregate's id (intake). Reading
one, eventsourcing calls the class's upcaster, which keeps what the event says and marks the
rest unknown (None); what an old event cannot say is found by one explicit, bounded look-up of
its aggregate's first event (`FirstEvents`), counted so an operator sees when none are left.
"""

from __future__ import annotations

import uuid
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, NamedTuple

from eventsourcing.domain import Aggregate, CanMutateAggregate
from prometheus_client import Counter

ATTRIBUTES = ("tenant", "complaint_id")

OLD_EVENTS_ATTRIBUTED = Counter(
    "old_events_attributed_total",
    "Events stored before every event named its tenant and complaint, attributed by reading "
    "their aggregate's first event (it stops growing once none is left to publish)",
    ["service"],
)


def recall(state: dict[str, Any]) -> None:
    """The upcaster of an event stored before attribution: what it says is kept, what it
    cannot say (the tenant of any but the first event) is None, for `FirstEvents`."""
    for name in ATTRIBUTES:
        state.setdefault(name, None)


def recall_own_id(state: dict[str, Any]) -> None:
    """For aggregates whose id is the complaint id (intake's complaint)."""
    state.setdefault("complaint_id", str(state["originator_id"]))
    recall(state)


class Attributed(Aggregate):
    """An aggregate about one complaint of one tenant (`tenant`, `complaint_id`; None for a
    message about no complaint): each event it records carries both.

    Each event class of the aggregate (its mixins' included) is one version newer than it
    declares: a class declaring none becomes version 2, upcast by `upcast_attribution`
    (`recall` unless the aggregate says better); a class declaring its own version must
    upcast to attribution in its own latest upcaster (resolution's SlaAlertRecorded), or
    name both whatever its version (intake's Received)."""

    # No annotation: eventsourcing would take an annotated name for a field of the Created event.
    upcast_attribution = staticmethod(recall)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for event_class in _event_classes(cls):
            # The version it resolves to now, declared or inherited: a class eventsourcing
            # derives from a declared one (a decorated method's, a mixin's on the aggregate)
            # keeps the declared version and its upcasters.
            if getattr(event_class, "class_version", 1) == 1:
                event_class.class_version = 2  # type: ignore[attr-defined]
                event_class.upcast_v1_v2 = staticmethod(cls.upcast_attribution)  # type: ignore[attr-defined]

    def collect_events(self) -> Any:
        events = super().collect_events()
        for recorded in events:
            # Stored events are frozen dataclasses; the mapper stores their __dict__, and
            # eventsourcing passes a decorated method only the arguments it declares.
            for name in ATTRIBUTES:
                recorded.__dict__.setdefault(name, getattr(self, name))
        return events


def _event_classes(aggregate: type) -> list[type]:
    """The event classes defined on the aggregate and on its aggregate mixins; not their base
    classes (`Event`, `Created`), whose version would shadow a mixin's declared one."""
    found = []
    for owner in aggregate.__mro__:
        if not issubclass(owner, Aggregate) or owner.__module__.startswith("eventsourcing"):
            continue
        prefix = f"{owner.__qualname__}."
        for value in vars(owner).values():
            if (isinstance(value, type) and issubclass(value, CanMutateAggregate)
                    and value.__qualname__.startswith(prefix)
                    and value.__name__ not in ("Event", "Created")):
                found.append(value)
    return found


class Origin(NamedTuple):
    tenant: str
    complaint_id: str | None


class Unattributed(LookupError):
    """An event stored before attribution, and no way given to look its tenant up."""


class FirstEvents:
    """The one read-back left, for old events only: an aggregate's first event names its
    tenant (and complaint). Remembers the last `size` aggregates, no more."""

    def __init__(self, events: Any, *, service: str, size: int = 1024) -> None:
        self.events, self.service, self.size = events, service, size
        self._known: OrderedDict[uuid.UUID, Origin] = OrderedDict()

    def __call__(self, originator_id: uuid.UUID) -> Origin:
        OLD_EVENTS_ATTRIBUTED.labels(self.service).inc()
        if originator_id in self._known:
            self._known.move_to_end(originator_id)
            return self._known[originator_id]
        first = next(iter(self.events.get(originator_id, lte=1)))
        origin = Origin(first.tenant, first.complaint_id)
        self._known[originator_id] = origin
        if len(self._known) > self.size:
            self._known.popitem(last=False)
        return origin


def origin_of(stored: Any, first_events: Callable[[uuid.UUID], Origin] | None) -> Origin:
    """The tenant and complaint a stored event names; for an event stored before attribution
    (tenant None), its aggregate's first event's."""
    tenant = getattr(stored, "tenant", None)
    if tenant:
        return Origin(tenant, getattr(stored, "complaint_id", None))
    if first_events is None:
        raise Unattributed(
            f"{type(stored).__qualname__} {stored.originator_id} v{stored.originator_version} "
            "was stored before events named their tenant; give the translator FirstEvents")
    return first_events(stored.originator_id)
