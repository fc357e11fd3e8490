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

    @property
    def chdb_dir(self) -> Path:
        """Where the embedded chDB keeps its data when no ClickHouse server is configured."""
        return self.chdb_path or self.data_dir / "analytics-chdb"
