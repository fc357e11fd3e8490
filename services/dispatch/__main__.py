"""Entry point: `python -m services.dispatch` serves the HTTP API with its agents and relay."""

from runtime.cli import service_arguments
from runtime.serve import serve
from services.dispatch.bootstrap import bootstrap
from services.dispatch.config import DispatchSettings

DESCRIPTION = "Dispatch: routes each complaint to a queue and an owner."

if __name__ == "__main__":
    service_arguments("python -m services.dispatch", DESCRIPTION)
    settings = DispatchSettings()
    api, _ = bootstrap(settings)
    serve(api, settings)
