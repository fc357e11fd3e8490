"""Runs a service's HTTP app (and with it, its relay and agents) under uvicorn."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import uvicorn
from fastapi import FastAPI

from runtime.cli import service_arguments
from runtime.settings import Settings

S = TypeVar("S", bound=Settings)


def serve(api: FastAPI, settings: Settings) -> None:
    """Serve until SIGINT or SIGTERM; the lifespan stops agents and relay cleanly."""
    uvicorn.run(
        api, host=settings.http_host, port=settings.http_port, log_config=None,
        access_log=False, timeout_graceful_shutdown=10,
    )


def run_service(
    package: str, description: str, settings: Callable[[], S],
    bootstrap: Callable[[S], FastAPI | tuple[FastAPI, Any]],
) -> None:
    """Every service's entry point: --help, settings from the environment, the composition
    root, then serve (a bootstrap may return the app alone or with the application)."""
    service_arguments(f"python -m {package}", description)
    own = settings()
    built = bootstrap(own)
    serve(built[0] if isinstance(built, tuple) else built, own)
