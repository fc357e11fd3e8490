"""The SLA service's settings."""

from runtime.settings import Settings


class SlaSettings(Settings):
    """Environment of the SLA service."""

    service: str = "sla"
    http_port: int = 8003
