"""The SLA service's settings."""

from datetime import datetime
from pathlib import Path

from runtime.settings import Settings
from services.sla.catalog import (
    DEFAULT_CALENDAR_DIR,
    DEFAULT_POLICY_DIR,
    DEFAULT_POLICY_FILE,
    DEFAULT_TENANTS_FILE,
)


class SlaSettings(Settings):
    """Environment of the SLA service."""

    service: str = "sla"
    http_port: int = 8003
    # The default policy: of every tenant whose entry in the tenants file names none.
    sla_policy_file: Path = DEFAULT_POLICY_FILE
    # Tenants' own policies (every *.yaml here), each named by its policy_id in the tenants file.
    sla_policy_dir: Path = DEFAULT_POLICY_DIR
    sla_calendar_dir: Path = DEFAULT_CALENDAR_DIR
    # Each tenant's jurisdiction and industry (regulatory regimes), and regions' jurisdictions.
    sla_tenants_file: Path = DEFAULT_TENANTS_FILE
    # How soon another replica's changes reach this replica's timer (its own wake it at once).
    sla_follow_interval_s: float = 2.0
    # Test deployments only: time stands still until POST /v1/test-clock moves it.
    sla_test_clock: bool = False
    sla_test_clock_start: datetime | None = None
