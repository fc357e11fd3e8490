"""Entry point: `python -m services.sla` serves the HTTP API with its agents and relay."""

from runtime.serve import run_service
from services.sla.bootstrap import bootstrap
from services.sla.config import SlaSettings

DESCRIPTION = "SLA: runs each complaint's deadlines, warns, breaches and escalates."

if __name__ == "__main__":
    run_service(__package__, DESCRIPTION, SlaSettings, bootstrap)
