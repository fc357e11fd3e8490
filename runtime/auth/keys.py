"""Verification keys from a JWKS file or URL: cached, refetched for an unknown `kid` at most
every `min_refresh_s`, and every `max_age_s` anyway so that rotated-out keys stop working.

A failed fetch keeps the keys already known (and, before any fetch succeeded, none: every
token is then refused). The fetch has a timeout, so a dead key server cannot hold a request.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from jwt import PyJWK, PyJWKSet
from jwt.exceptions import PyJWKError, PyJWKSetError

from runtime.auth.metrics import JWKS_FETCHES

log = logging.getLogger(__name__)


def fetch_jwks(source: str, timeout_s: float) -> dict[str, Any]:
    """The JWKS document at an http(s) URL or in a file."""
    if source.startswith(("http://", "https://")):
        response = httpx.get(source, timeout=timeout_s, follow_redirects=False)
        response.raise_for_status()
        return response.json()
    return json.loads(Path(source.removeprefix("file://")).read_text())


class JwksKeys:
    """The signing keys an issuer publishes, by key id."""

    def __init__(
        self, source: str, *, min_refresh_s: float = 30.0, max_age_s: float = 3600.0,
        timeout_s: float = 3.0, clock: Callable[[], float] = time.monotonic,
        fetch: Callable[[str, float], dict[str, Any]] = fetch_jwks,
    ) -> None:
        self.source = source
        self.min_refresh_s, self.max_age_s, self.timeout_s = min_refresh_s, max_age_s, timeout_s
        self._clock, self._fetch = clock, fetch
        self._keys: dict[str, PyJWK] = {}
        self._loaded_at: float | None = None
        self._attempted_at: float | None = None
        self._lock = threading.Lock()

    def get(self, kid: str) -> PyJWK | None:
        """The key with this id, refetching the set if it is stale or lacks the id."""
        with self._lock:
            now = self._clock()
            stale = self._loaded_at is None or now - self._loaded_at >= self.max_age_s
            if (stale or kid not in self._keys) and self._may_fetch(now):
                self._refresh(now)
            return self._keys.get(kid)

    def _may_fetch(self, now: float) -> bool:
        return self._attempted_at is None or now - self._attempted_at >= self.min_refresh_s

    def _refresh(self, now: float) -> None:
        self._attempted_at = now
        try:
            document = self._fetch(self.source, self.timeout_s)
            keys = {key.key_id: key for key in PyJWKSet.from_dict(document).keys if key.key_id}
        except (OSError, ValueError, httpx.HTTPError, PyJWKError, PyJWKSetError) as error:
            JWKS_FETCHES.labels(outcome="failed").inc()
            log.warning("cannot load verification keys", extra={
                "jwks": self.source, "error": repr(error), "keys_kept": len(self._keys)})
            return
        JWKS_FETCHES.labels(outcome="loaded").inc()
        self._keys, self._loaded_at = keys, now
