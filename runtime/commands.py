"""The installed commands (pyproject.toml's [project.scripts]): each runs its module exactly as
`python -m <module>` does, so a command and its module never differ in arguments, exit codes
or error handling (runtime.cli)."""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

MODULES = {
    "complaints-intake": "services.intake",
    "complaints-intake-import": "services.intake.tools.importer",
    "complaints-intake-retention": "services.intake.tools.retention",
    "complaints-intake-train": "services.intake.tools.train",
    "complaints-intake-corrections": "services.intake.tools.corrections",
    "complaints-dispatch": "services.dispatch",
    "complaints-dispatch-rehearse": "services.dispatch.tools.rehearse",
    "complaints-sla": "services.sla",
    "complaints-sla-rehearse": "services.sla.tools.rehearse",
    "complaints-sla-calendars": "services.sla.tools.calendars",
    "complaints-resolution": "services.resolution",
    "complaints-analytics": "services.analytics",
    "complaints-analytics-rebuild": "services.analytics.tools.rebuild",
    "complaints-work": "services.work",
    "complaints-work-rebuild": "services.work.tools.rebuild",
    "complaints-notify": "services.notify",
    "complaints-console": "services.console",
    "complaints-audit": "audit",
    "complaints-issuer": "runtime.auth.issuer",
    "complaints-redrive": "runtime.redrive",
    "complaints-sealing": "runtime.sealing",
    "complaints-topics": "deploy.local.topics",
    "complaints-kafka-acls": "deploy.kafka_acls",
    "complaints-local-kafka": "deploy.local.kafka",
    "complaints-local-postgres": "deploy.local.postgres",
    "complaints-requirements": "deploy.requirements",
    "complaints-export-contracts": "contracts.export",
    "complaints-export-openapi": "services.openapi",
}


def main() -> None:
    """Run the module of the command this process was started as."""
    name = Path(sys.argv[0]).name.removesuffix(".exe")
    if name not in MODULES:
        sys.exit(f"{name}: not one of the platform's commands ({', '.join(sorted(MODULES))})")
    runpy.run_module(MODULES[name], run_name="__main__", alter_sys=True)
