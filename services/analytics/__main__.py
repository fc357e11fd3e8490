"""Entry point: `python -m services.analytics` serves the HTTP API with its agents and relay."""

from runtime.cli import service_arguments
from runtime.serve import serve
from services.analytics.bootstrap import bootstrap
from services.analytics.config import AnalyticsSettings

DESCRIPTION = "Analytics: projects every domain topic into ClickHouse and serves the reports."

if __name__ == "__main__":
    service_arguments("python -m services.analytics", DESCRIPTION)
    settings = AnalyticsSettings()
    api, _ = bootstrap(settings)
    serve(api, settings)
