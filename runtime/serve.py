"""Runs a service's HTTP app (and with it, its relay and agents) under uvicorn."""

from __future__ import annotations

import uvicorn
from fastapi import FastAPI

from runtime.settings import Settings


def serve(api: FastAPI, settings: Settings) -> None:
    """Serve until SIGINT or SIGTERM; the lifespan stops agents and relay cleanly."""
    uvicorn.run(
        api, host=settings.http_host, port=settings.http_port, log_config=None,
        access_log=False, timeout_graceful_shutdown=10,
    )
