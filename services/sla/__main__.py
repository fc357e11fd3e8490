"""Entry point: `python -m services.sla`."""

from runtime.serve import serve
from services.sla.bootstrap import bootstrap
from services.sla.config import SlaSettings

if __name__ == "__main__":
    settings = SlaSettings()
    api, _ = bootstrap(settings)
    serve(api, settings)
