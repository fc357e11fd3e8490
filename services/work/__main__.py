"""Entry point: `python -m services.work` serves the HTTP API with its agents and relay."""

from runtime.cli import service_arguments
from runtime.serve import serve
from services.work.bootstrap import bootstrap
from services.work.config import WorkSettings

DESCRIPTION = ("Work: the read model of complaints; lists, about to breach, search, customer 360 "
               "and manual tags.")

if __name__ == "__main__":
    service_arguments("python -m services.work", DESCRIPTION)
    settings = WorkSettings()
    api, _ = bootstrap(settings)
    serve(api, settings)
