"""Entry point: `python -m services.dispatch`."""

from runtime.serve import serve
from services.dispatch.bootstrap import bootstrap
from services.dispatch.config import DispatchSettings

if __name__ == "__main__":
    settings = DispatchSettings()
    api, _ = bootstrap(settings)
    serve(api, settings)
