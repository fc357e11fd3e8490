"""Intake's settings."""

from pydantic import SecretStr

from runtime.settings import Settings


class IntakeSettings(Settings):
    """Environment of the intake service."""

    service: str = "intake"
    http_port: int = 8001
    max_body_bytes: int = 2 * 1024 * 1024
    max_batch_items: int = 500
    # Shared by every replica; unset, a key is generated in DATA_DIR (one machine only).
    tracking_secret: SecretStr | None = None
