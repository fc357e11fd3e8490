"""How the importer resends a batch that intake could not take yet: 429, 502-504, no connection.

Every item of a batch carries its idempotency key (`cfpb:<Complaint ID>`), so a batch resent
after intake did file it (the answer was lost) files nothing twice: its items answer as
already filed. Waits grow exponentially with full jitter, so importers that were turned away
together do not come back together; a Retry-After (seconds or an HTTP date) is waited instead.
"""

from __future__ import annotations

import email.utils
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import httpx
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    wait_random_exponential,
)

RETRIED_STATUSES = frozenset({429, 502, 503, 504})


class Unavailable(Exception):
    """Intake answered a status that says: later."""

    def __init__(self, answer: httpx.Response) -> None:
        super().__init__(f"HTTP {answer.status_code} {answer.reason_phrase}")
        self.answer = answer


def retry_after(answer: httpx.Response, now: datetime) -> float | None:
    """The wait that Retry-After asks for, in seconds (given as a number or an HTTP date)."""
    value = answer.headers.get("Retry-After", "").strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max((when - now).total_seconds(), 0.0)


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Backoff:
    """How many times a batch is sent at most, and how long the importer waits in between."""

    attempts: int = 6
    first_wait_s: float = 1.0
    max_wait_s: float = 120.0
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False)
    now: Callable[[], datetime] = field(default=_utc_now, repr=False)

    def wait(self, state: RetryCallState) -> float:
        """Retry-After when intake sent one, else full jitter; never more than max_wait_s."""
        error = state.outcome.exception() if state.outcome else None
        asked = retry_after(error.answer, self.now()) if isinstance(error, Unavailable) else None
        if asked is not None:
            return min(asked, self.max_wait_s)
        return wait_random_exponential(multiplier=self.first_wait_s, max=self.max_wait_s)(state)

    def send(self, post: Callable[[], httpx.Response]) -> httpx.Response:
        """post() until intake takes it; raises the last Unavailable or TransportError."""
        retrying = Retrying(
            stop=stop_after_attempt(self.attempts), wait=self.wait, sleep=self.sleep,
            retry=retry_if_exception_type((Unavailable, httpx.TransportError)), reraise=True,
        )
        for attempt in retrying:
            with attempt:
                answer = post()
                if answer.status_code in RETRIED_STATUSES:
                    raise Unavailable(answer)
        return answer
