"""Entry point: `python -m services.intake` serves the HTTP API with its agents and relay."""

from runtime.cli import service_arguments
from runtime.serve import serve
from services.intake.bootstrap import bootstrap
from services.intake.config import IntakeSettings

DESCRIPTION = "Intake: files and classifies complaints from HTTP and complaints.inbound.v1."

if __name__ == "__main__":
    service_arguments("python -m services.intake", DESCRIPTION)
    settings = IntakeSettings()
    api, _ = bootstrap(settings)
    serve(api, settings)
