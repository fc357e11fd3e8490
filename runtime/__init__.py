"""Shared runtime of every service: settings, logging, metrics, event store, bus wiring."""
