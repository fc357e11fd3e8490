"""Entry point: `python -m services.dispatch` serves the HTTP API with its agents and relay."""

from runtime.serve import run_service
from services.dispatch.bootstrap import bootstrap
from services.dispatch.config import DispatchSettings

DESCRIPTION = "Dispatch: routes each complaint to a queue and an owner."

if __name__ == "__main__":
    run_service(__package__, DESCRIPTION, DispatchSettings, bootstrap)
