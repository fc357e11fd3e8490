"""Intake's settings."""

from pathlib import Path

from pydantic import Field, SecretStr

from runtime.settings import Settings

CLASSIFICATION = Path(__file__).resolve().parent / "classification"


class IntakeSettings(Settings):
    """Environment of the intake service."""

    service: str = "intake"
    http_port: int = 8001
    max_body_bytes: int = 2 * 1024 * 1024
    max_batch_items: int = 500
    # Shared by every replica; unset, a key is generated in DATA_DIR (one machine only).
    tracking_secret: SecretStr | None = None
    # taxonomy.yaml, severity.yaml and sentiment.yaml: reloaded when edited, no deploy needed.
    classification_rules_dir: Path = CLASSIFICATION
    classification_model: Path = CLASSIFICATION / "model.joblib"
    duplicate_window_hours: float = Field(72.0, gt=0)
    duplicate_threshold: float = Field(0.45, gt=0, le=1)
