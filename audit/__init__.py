"""Replay for auditors: a complaint's history across services, its state at any instant, and
self-contained bundles that an auditor verifies against the hash chain without the system."""
