"""Entry point: `python -m services.notify` serves the HTTP API with its agents, relay and
deliverer."""

from runtime.cli import service_arguments
from runtime.serve import serve
from services.notify.bootstrap import bootstrap
from services.notify.config import NotifySettings

DESCRIPTION = "notify: tells owners, leads, approvers and customers, exactly once per message."

if __name__ == "__main__":
    service_arguments("python -m services.notify", DESCRIPTION)
    settings = NotifySettings()
    api, _ = bootstrap(settings)
    serve(api, settings)
