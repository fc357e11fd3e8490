"""Entry point: `python -m services.intake`."""

from runtime.serve import serve
from services.intake.bootstrap import bootstrap
from services.intake.config import IntakeSettings

if __name__ == "__main__":
    settings = IntakeSettings()
    api, _ = bootstrap(settings)
    serve(api, settings)
