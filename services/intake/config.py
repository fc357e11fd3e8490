"""Intake's settings."""

from pathlib import Path

from pydantic import Field, SecretStr

from runtime.settings import Settings

PACKAGE = Path(__file__).resolve().parent
CLASSIFICATION = PACKAGE / "classification"


class IntakeSettings(Settings):
    """Environment of the intake service."""

    service: str = "intake"
    http_port: int = 8001
    # 200,000 Chinese characters sent as JSON \uXXXX escapes are 1.2 MB; quoted-printable
    # email triples UTF-8. 413 above, naming the limit (runtime.auth.limits).
    max_body_bytes: int = 4 * 1024 * 1024
    max_batch_items: int = 500  # and at most RATE_LIMIT_BURST: each item costs a token
    max_concurrent_batches: int = Field(2, ge=1)  # per caller and replica; 429 beyond
    # Shared by every replica; unset, a key is generated in DATA_DIR (one machine only).
    tracking_secret: SecretStr | None = None
    # Keys the contact-point index (HMAC-SHA256), so phone numbers and addresses cannot be
    # tested against the store without it. Shared by every replica; unset, a key is generated
    # in DATA_DIR (one machine only). Changing it orphans the index: people are no longer linked.
    contact_index_key: SecretStr | None = None
    # A tracking token works this many days after intake recorded the complaint (410 after).
    tracking_token_days: float = Field(400.0, gt=0)
    # Where customers reach resolution (a proxy or ingress in production): a tracking answer's
    # progress_url, the complaint's stage and what the customer was told, starts with it.
    progress_base_url: str = Field("http://127.0.0.1:8004",
                                   pattern=r"^https?://[^/?#\s]+(/[^?#\s]*)?$")
    # taxonomy.yaml, severity.yaml and sentiment.yaml: reloaded when edited, no deploy needed.
    classification_rules_dir: Path = CLASSIFICATION
    classification_model: Path = CLASSIFICATION / "model.joblib"
    # How long customers' data is kept after their last complaint closed (reloaded when
    # edited); the job that shreds the expired runs on the replica holding its lease.
    retention_policy: Path = PACKAGE / "retention.yaml"
    retention_enabled: bool = True
    retention_interval_s: float = Field(3600.0, gt=0)
    duplicate_window_hours: float = Field(72.0, gt=0)
    duplicate_threshold: float = Field(0.45, gt=0, le=1)
    # Where callers and customers reach intake (a proxy or ingress in production): the
    # status_url and tracking_url of a receipt start with it. Never the request's Host header,
    # which the caller chooses and which would then be handed to customers as their link.
    public_base_url: str | None = Field(None, pattern=r"^https?://[^/?#\s]+(/[^?#\s]*)?$")

    @property
    def public_url(self) -> str:
        """PUBLIC_BASE_URL without a trailing slash, or this service's own address."""
        return (self.public_base_url or f"http://{self.http_host}:{self.http_port}").rstrip("/")
