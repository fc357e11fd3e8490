"""Entry point: `python -m services.analytics` serves the HTTP API with its agents and relay."""

from runtime.serve import run_service
from services.analytics.bootstrap import bootstrap
from services.analytics.config import AnalyticsSettings

DESCRIPTION = "Analytics: projects every domain topic into ClickHouse and serves the reports."

if __name__ == "__main__":
    run_service(__package__, DESCRIPTION, AnalyticsSettings, bootstrap)
