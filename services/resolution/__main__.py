"""Entry point: `python -m services.resolution`."""

from runtime.serve import serve
from services.resolution.bootstrap import bootstrap
from services.resolution.config import ResolutionSettings

if __name__ == "__main__":
    settings = ResolutionSettings()
    api, _ = bootstrap(settings)
    serve(api, settings)
