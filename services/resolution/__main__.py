"""Entry point: `python -m services.resolution` serves the HTTP API with its agents and relay."""

from runtime.cli import service_arguments
from runtime.serve import serve
from services.resolution.bootstrap import bootstrap
from services.resolution.config import ResolutionSettings

DESCRIPTION = "Resolution: investigation, proposals, approvals, notification, survey and closure."

if __name__ == "__main__":
    service_arguments("python -m services.resolution", DESCRIPTION)
    settings = ResolutionSettings()
    api, _ = bootstrap(settings)
    serve(api, settings)
