"""Resolution's settings."""

from runtime.settings import Settings


class ResolutionSettings(Settings):
    """Environment of the resolution service."""

    service: str = "resolution"
    http_port: int = 8004
