"""Bulk requests pay for what they cost: a batch of N items spends N rate-limit tokens, and one
caller runs at most K batches at a time. Like the buckets, the slots are per replica.

    with slots.hold(caller):
        charge(request, caller, items=len(batch.items))
        ...  # file them
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

from fastapi import HTTPException, Request, status

from runtime.auth.metrics import RATE_LIMITED
from runtime.auth.principal import Principal
from runtime.auth.ratelimit import TokenBucket, caller_key, retry_after


class TooManyRequests(HTTPException):
    """429 with Retry-After, and why."""

    def __init__(self, reason: str, wait_s: float) -> None:
        super().__init__(status.HTTP_429_TOO_MANY_REQUESTS, reason, headers=retry_after(wait_s))


class BatchSlots:
    """At most per_caller batches of one caller at once; the next one is refused, not queued."""

    def __init__(self, per_caller: int) -> None:
        if per_caller < 1:
            raise ValueError("a caller may run at least one batch")
        self.per_caller = per_caller
        self._running: Counter[str] = Counter()
        self._lock = threading.Lock()

    @contextmanager
    def hold(self, caller: Principal) -> Iterator[None]:
        """A slot for the duration of one batch; TooManyRequests when the caller has none."""
        key = caller_key(caller)
        with self._lock:
            if self._running[key] >= self.per_caller:
                RATE_LIMITED.labels(kind="batch_concurrency").inc()
                raise TooManyRequests(
                    f"at most {self.per_caller} batches of one caller at a time", 1)
            self._running[key] += 1
        try:
            yield
        finally:
            with self._lock:
                self._running[key] -= 1
                if not self._running[key]:
                    del self._running[key]


def bucket_of(request: Request) -> TokenBucket | None:
    """The app's rate-limit bucket (None: the rate limit is off)."""
    return request.app.state.access.bucket


def max_items(request: Request, configured: int) -> int:
    """The largest batch that can ever be paid for: the configured size, or the burst."""
    bucket = bucket_of(request)
    return configured if bucket is None else min(configured, bucket.burst)


def charge(request: Request, caller: Principal, *, items: int) -> None:
    """Spend one token per item; the rate limit already took one for the request itself."""
    bucket = bucket_of(request)
    if bucket is None or items <= 1:
        return
    wait = bucket.take(caller_key(caller), items - 1)
    if wait:
        RATE_LIMITED.labels(kind="batch").inc()
        raise TooManyRequests(f"a batch of {items} items costs {items} requests of the rate "
                              "limit, more than are left", wait)
