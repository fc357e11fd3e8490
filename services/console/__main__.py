"""Entry point: `python -m services.console` serves the web console."""

from runtime.cli import service_arguments
from runtime.serve import serve
from services.console.bootstrap import bootstrap
from services.console.config import ConsoleSettings

DESCRIPTION = "The web console: pages for customers, agents, supervisors, managers, auditors."

if __name__ == "__main__":
    service_arguments("python -m services.console", DESCRIPTION)
    settings = ConsoleSettings()
    serve(bootstrap(settings), settings)
