"""Entry point: `python -m services.work` serves the HTTP API with its agents and relay."""

from runtime.serve import run_service
from services.work.bootstrap import bootstrap
from services.work.config import WorkSettings

DESCRIPTION = ("Work: the read model of complaints; lists, about to breach, search, customer 360 "
               "and manual tags.")

if __name__ == "__main__":
    run_service(__package__, DESCRIPTION, WorkSettings, bootstrap)
