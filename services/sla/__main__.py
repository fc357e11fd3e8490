"""Entry point: `python -m services.sla` serves the HTTP API with its agents and relay."""

from runtime.cli import service_arguments
from runtime.serve import serve
from services.sla.bootstrap import bootstrap
from services.sla.config import SlaSettings

DESCRIPTION = "SLA: runs each complaint's deadlines, warns, breaches and escalates."

if __name__ == "__main__":
    service_arguments("python -m services.sla", DESCRIPTION)
    settings = SlaSettings()
    api, _ = bootstrap(settings)
    serve(api, settings)
