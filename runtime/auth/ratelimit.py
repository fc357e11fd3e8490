"""Per-client rate limits: a token bucket per principal (or per IP address when anonymous).

The buckets live in each replica's memory, so N replicas allow up to N times the rate: a
first line against a runaway client, not a quota (a shared limit belongs in the gateway).
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable

from anyio import to_thread
from starlette.types import ASGIApp, Receive, Scope, Send

from runtime import problems
from runtime.auth.metrics import RATE_LIMITED
from runtime.auth.principal import Principal
from runtime.auth.tokens import InvalidToken, TokenVerifier

OPERATIONS = ("/healthz", "/readyz", "/metrics")


class TokenBucket:
    """burst tokens per key, refilled at rate_per_s; the least recently seen keys are dropped."""

    def __init__(self, *, rate_per_s: float, burst: int,
                 clock: Callable[[], float] = time.monotonic, max_keys: int = 100_000) -> None:
        if rate_per_s <= 0 or burst < 1:
            raise ValueError("a bucket needs a positive rate and a burst of at least 1")
        self.rate, self.burst, self.max_keys, self._clock = rate_per_s, burst, max_keys, clock
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()

    def take(self, key: str, cost: int = 1) -> float:
        """0 if cost tokens were taken; otherwise the seconds until they will be there (none
        is taken then). A cost above the burst can never be paid: callers bound it."""
        if not 1 <= cost <= self.burst:
            raise ValueError(f"a cost is between 1 and the burst ({self.burst})")
        now = self._clock()
        tokens, last = self._buckets.pop(key, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - last) * self.rate)
        wait = 0.0 if tokens >= cost else (cost - tokens) / self.rate
        self._buckets[key] = (tokens - cost if wait == 0 else tokens, now)
        if len(self._buckets) > self.max_keys:
            self._buckets.popitem(last=False)  # an idle key's bucket is full anyway
        return wait


class RateLimit:
    """ASGI middleware: 429 with Retry-After once a caller's bucket is empty."""

    def __init__(self, app: ASGIApp, *, bucket: TokenBucket, verifier: TokenVerifier,
                 exempt: Iterable[str] = OPERATIONS) -> None:
        self.app, self.bucket, self.verifier, self.exempt = app, bucket, verifier, tuple(exempt)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in self.exempt:
            await self.app(scope, receive, send)
            return
        wait = self.bucket.take(await self._caller(scope))
        if wait == 0:
            await self.app(scope, receive, send)
            return
        RATE_LIMITED.labels(kind="rate").inc()
        response = problems.response(429, "too many requests", instance=problems.instance(scope),
                                     headers=retry_after(wait))
        await response(scope, receive, send)

    async def _caller(self, scope: Scope) -> str:
        # Only a verified token names a principal: a forged one must not drain another's bucket.
        authorization = dict(scope["headers"]).get(b"authorization", b"").decode("latin-1")
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() == "bearer" and token:
            try:
                principal = await to_thread.run_sync(self.verifier.principal, token.strip())
                return caller_key(principal)
            except InvalidToken:
                pass
        client = scope.get("client")
        return f"ip:{client[0] if client else 'unknown'}"


def caller_key(principal: Principal) -> str:
    """The bucket (and batch slots) of a verified caller."""
    return f"principal:{principal.tenant}/{principal.sub}"


def retry_after(wait_s: float) -> dict[str, str]:
    """The Retry-After header for a wait, in whole seconds, at least one."""
    return {"Retry-After": str(max(1, math.ceil(wait_s)))}
