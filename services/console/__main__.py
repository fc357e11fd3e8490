"""Entry point: `python -m services.console` serves the web console."""

from runtime.serve import run_service
from services.console.bootstrap import bootstrap
from services.console.config import ConsoleSettings

DESCRIPTION = "The web console: pages for customers, agents, supervisors, managers, auditors."

if __name__ == "__main__":
    run_service(__package__, DESCRIPTION, ConsoleSettings, bootstrap)
