"""Dispatch's settings."""

from runtime.settings import Settings


class DispatchSettings(Settings):
    """Environment of the dispatch service."""

    service: str = "dispatch"
    http_port: int = 8002
