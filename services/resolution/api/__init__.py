"""Resolution's HTTP API, one router per concept."""

from __future__ import annotations

import os
from collections.abc import Callable

from fastapi import APIRouter

from runtime.auth import pii_log_api
from runtime.auth.pii_log import PiiAccessLog
from runtime.tracking import TrackingTokens
from services.resolution.api import cases, knowledge, outcome, progress, proposals, work
from services.resolution.api.common import domain_route
from services.resolution.application import ResolutionApplication
from services.resolution.projections import Projections


def build_routers(
    app: ResolutionApplication, projections: Projections, *, on_saved: Callable[[], None],
    pii_log: PiiAccessLog, max_evidence_bytes: int = 25 * 1024 * 1024,
    tracking: TrackingTokens | None = None,
) -> list[APIRouter]:
    """Every resolution router; commands (saved or refused) call `on_saved`; reads of personal
    data are written to `pii_log`, which auditors read at /v1/audit/pii-access. Customers'
    progress is read with intake's `tracking` tokens (without, no token is ever valid)."""
    route = domain_route(on_saved)
    return [
        cases.build_router(app, route_class=route, max_evidence_bytes=max_evidence_bytes,
                           pii_log=pii_log),
        cases.templates_router(),
        proposals.build_router(app, route_class=route, pii_log=pii_log),
        outcome.build_router(app, route_class=route),
        knowledge.build_router(app, projections, route_class=route),
        work.build_router(app, projections, route_class=route),
        pii_log_api.build_router(pii_log),
        progress.build_router(app, tracking or TrackingTokens(os.urandom(32))),
    ]
