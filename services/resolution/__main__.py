"""Entry point: `python -m services.resolution` serves the HTTP API with its agents and relay."""

from runtime.serve import run_service
from services.resolution.bootstrap import bootstrap
from services.resolution.config import ResolutionSettings

DESCRIPTION = "Resolution: investigation, proposals, approvals, notification, survey and closure."

if __name__ == "__main__":
    run_service(__package__, DESCRIPTION, ResolutionSettings, bootstrap)
