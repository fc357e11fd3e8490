"""Analytics' settings."""

from pathlib import Path

from runtime.settings import Settings


class AnalyticsSettings(Settings):
    """Environment of the analytics service."""

    service: str = "analytics"
    http_port: int = 8005
    clickhouse_url: str = ""
    chdb_path: Path | None = None
    projection_batch_size: int = 500
    projection_flush_ms: int = 200
    # Reports read a snapshot of the projection refreshed this often (longer under load).
    snapshot_refresh_s: float = 2.0
    # Key of the HMAC that replaces customer ids in ClickHouse; set a secret one in production.
    customer_pseudonym_key: str = ""
    # Spikes: counts per window against the mean of the windows before it.
    spike_window_s: int = 3600
    spike_baseline_windows: int = 24
    spike_margin_ratio: float = 0.5
    spike_margin_sigma: float = 3.0
    spike_min_margin: float = 5.0
    spike_check_interval_s: float = 60.0

    @property
    def chdb_dir(self) -> Path:
        """Where the embedded chDB keeps its data when no ClickHouse server is configured."""
        return self.chdb_path or self.data_dir / "analytics-chdb"

    @property
    def consumer_group(self) -> str:
        """The Kafka consumer group of the projection (partitions shared among replicas)."""
        return f"complaints-{self.service}"
