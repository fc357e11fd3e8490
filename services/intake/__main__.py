"""Entry point: `python -m services.intake` serves the HTTP API with its agents and relay."""

from runtime.serve import run_service
from services.intake.bootstrap import bootstrap
from services.intake.config import IntakeSettings

DESCRIPTION = "Intake: files and classifies complaints from HTTP and complaints.inbound.v1."

if __name__ == "__main__":
    run_service(__package__, DESCRIPTION, IntakeSettings, bootstrap)
