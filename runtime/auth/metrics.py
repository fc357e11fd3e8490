"""Prometheus metrics of access control: refusals by reason, limits hit, key fetches."""

from __future__ import annotations

from prometheus_client import Counter

AUTH_REFUSALS = Counter(
    "auth_refusals_total", "Requests refused by access control", ["status", "reason"]
)
RATE_LIMITED = Counter("rate_limited_total", "Requests refused with 429", ["kind"])
JWKS_FETCHES = Counter("auth_jwks_fetches_total", "Fetches of the JWKS by outcome", ["outcome"])
PII_READS = Counter("pii_reads_logged_total", "Reads of personal data written to the access log")
