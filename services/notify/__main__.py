"""Entry point: `python -m services.notify` serves the HTTP API with its agents, relay and
deliverer."""

from runtime.serve import run_service
from services.notify.bootstrap import bootstrap
from services.notify.config import NotifySettings

DESCRIPTION = "notify: tells owners, leads, approvers and customers, exactly once per message."

if __name__ == "__main__":
    run_service(__package__, DESCRIPTION, NotifySettings, bootstrap)
