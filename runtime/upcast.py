"""Upcasters for stored events: what a newer version of an event class added to it."""

from __future__ import annotations

from typing import Any


def added(**defaults: Any) -> staticmethod:
    """The upcaster of a version that added fields: an event stored before it reads as having
    these values (e.g. `upcast_v1_v2 = added(comment=None)`)."""

    def upcast(state: dict[str, Any]) -> None:
        state.update(defaults)

    return staticmethod(upcast)
