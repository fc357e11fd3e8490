"""Export every service's OpenAPI document to contracts/openapi/<service>.json.

    python -m services.openapi          # rewrite the documents
    python -m services.openapi --check  # exit 1 and list the documents that are stale

Each app is built by its service's own bootstrap, with its stores in a throw-away directory:
building an app connects to nothing (Kafka, databases and ClickHouse open when it starts).
The console is an HTML application with no JSON API of its own, so it has no document.
"""

from __future__ import annotations

import importlib
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

from fastapi import FastAPI

from contracts.export import check_or_write

ROOT = Path(__file__).resolve().parents[1] / "contracts" / "openapi"
# service name -> (bootstrap module, settings class "module:Class")
SERVICES: dict[str, tuple[str, str]] = {
    "intake": ("services.intake.bootstrap", "services.intake.config:IntakeSettings"),
    "dispatch": ("services.dispatch.bootstrap", "services.dispatch.config:DispatchSettings"),
    "sla": ("services.sla.bootstrap", "services.sla.config:SlaSettings"),
    "resolution": ("services.resolution.bootstrap",
                   "services.resolution.config:ResolutionSettings"),
    "analytics": ("services.analytics.bootstrap", "services.analytics.config:AnalyticsSettings"),
    "work": ("services.work.bootstrap", "services.work.config:WorkSettings"),
    "notify": ("services.notify.bootstrap", "services.notify.config:NotifySettings"),
    "audit": ("audit.bootstrap", "audit.config:AuditSettings"),
}


def _load(spec: str) -> Any:
    module, _, name = spec.partition(":")
    return getattr(importlib.import_module(module), name)


def build(service: str, workdir: Path) -> FastAPI:
    """The service's FastAPI app as its bootstrap builds it, its files under workdir."""
    module, settings_spec = SERVICES[service]
    settings = _load(settings_spec)(data_dir=workdir / service, auth_dir=workdir / "auth",
                                    database_url="", log_level="ERROR")  # embedded stores
    built = importlib.import_module(module).bootstrap(settings)
    http, runtime = built if isinstance(built, tuple) else (built, None)
    closing = getattr(getattr(runtime, "app", None), "close", None)
    if closing is not None:
        http.state.close_export = closing
    return http


def document(service: str, workdir: Path) -> dict[str, Any]:
    """The service's OpenAPI document."""
    http = build(service, workdir)
    try:
        return http.openapi()
    finally:
        if hasattr(http.state, "close_export"):
            http.state.close_export()


def render() -> dict[str, str]:
    """Every document's file name and text."""
    with tempfile.TemporaryDirectory(prefix="openapi-export-") as tmp:
        return {f"{service}.json": json.dumps(document(service, Path(tmp)), indent=2,
                                              ensure_ascii=False, sort_keys=True) + "\n"
                for service in SERVICES}


def stale(root: Path | None = None, rendered: dict[str, str] | None = None) -> list[str]:
    """The documents under root (contracts/openapi) that differ from the apps, or are missing."""
    root = root or ROOT
    return sorted(name for name, text in (rendered or render()).items()
                  if not (root / name).is_file() or (root / name).read_text("utf-8") != text)


def write(root: Path | None = None) -> list[str]:
    """Rewrite the stale documents; returns their names."""
    root = root or ROOT
    root.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in render().items():
        target = root / name
        if not target.is_file() or target.read_text("utf-8") != text:
            target.write_text(text, encoding="utf-8")
            written.append(name)
    return written


def main(argv: list[str] | None = None) -> int:
    """Entry point of `python -m services.openapi`."""
    return check_or_write(argv, prog="python -m services.openapi", description=__doc__,
                          folder="contracts/openapi", stale=stale, write=write)


if __name__ == "__main__":
    sys.exit(main())
