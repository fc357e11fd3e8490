"""Reading a store's notification log for some event topics only, each read from where the
last one stood."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any


class TopicReader:
    """The notifications of `topics` stored since the last read.

    A read goes up to the last notification stored when it starts and stands there, even when
    the last ones are of other topics: standing at the last one of its own topics, every read
    would look through all the others stored after it again, each longer than the one before.
    Ids become visible in order (SQLite has one writer; PostgreSQL's recorder locks the table
    to insert), so none of the topics' is passed over."""

    def __init__(self, recorder: Any, topics: Sequence[str], *, page: int = 500) -> None:
        self.recorder = recorder
        self.topics = list(topics)
        self.page = page
        self.position: int | None = None  # the last notification id read past

    def read(self) -> Iterator[Any]:
        """The new notifications of the topics, in order; the position moves a page at a time,
        once the caller has taken the whole page."""
        top = self.recorder.max_notification_id()
        while notifications := self.recorder.select_notifications(
            self.position, self.page, stop=top, topics=self.topics,
            inclusive_of_start=self.position is None,
        ):
            yield from notifications
            self.position = notifications[-1].id
        if top:
            self.position = max(self.position or 0, top)
