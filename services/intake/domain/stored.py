"""The module intake's stored events name their classes by."""

from __future__ import annotations

from typing import Any

# An event is stored under a topic, `module:qualname` of its class, and read back by importing
# it. The aggregates were written in services/intake/domain.py before it became this package;
# they keep that module, which exports them, so old and new events share one topic (and queries
# by topic, such as the corrections' export, find both).
STORED_AS = "services.intake.domain"


class StoredAsPackage:
    """Mixed in first by intake's aggregates: the class, and the event classes eventsourcing
    derives from its decorated methods, take STORED_AS as their module.

    An event class written out in the aggregate's body names STORED_AS itself."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        cls.__module__ = STORED_AS
        super().__init_subclass__(**kwargs)
