"""Entry point: `python -m services.analytics`."""

from runtime.serve import serve
from services.analytics.bootstrap import bootstrap
from services.analytics.config import AnalyticsSettings

if __name__ == "__main__":
    settings = AnalyticsSettings()
    api, _ = bootstrap(settings)
    serve(api, settings)
