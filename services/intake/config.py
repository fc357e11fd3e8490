"""Intake's settings."""

from runtime.settings import Settings


class IntakeSettings(Settings):
    """Environment of the intake service."""

    service: str = "intake"
    http_port: int = 8001
