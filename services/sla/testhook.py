"""POST /v1/test-clock: moves a test deployment's manual clock. Mounted only when
SLA_TEST_CLOCK is set, so production never serves it. Moving time is configuration:
`config:write`, reading it `config:read`."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, status
from pydantic import BaseModel, Field

from runtime.auth import Principal, Scope, require
from services.sla.timers import DeadlineTimer
from services.sla.timesource import ManualClock


class ClockSetting(BaseModel):
    now: datetime
    wait: bool = Field(True, description="Answer once every alarm due by `now` is recorded")


class ClockReading(BaseModel):
    now: datetime


def build_router(clock: ManualClock, timer: DeadlineTimer) -> APIRouter:
    """The test hook over a manual clock and the timer it drives."""
    router = APIRouter(prefix="/v1", tags=["testing"])

    @router.post("/test-clock", response_model=ClockReading,
                 summary="Move the manual clock forward (test deployments only)")
    async def set_clock(
        setting: ClockSetting,
        _: Annotated[Principal, Depends(require(Scope.CONFIG_WRITE))],
    ) -> ClockReading:
        try:
            clock.set(setting.now)
        except ValueError as error:
            raise HTTPException(status.HTTP_409_CONFLICT, str(error)) from error
        if setting.wait:
            await asyncio.wait_for(timer.settled(setting.now), timeout=60)
        return ClockReading(now=clock.now())

    @router.get("/test-clock", response_model=ClockReading, summary="The manual clock's time")
    async def read_clock(
        _: Annotated[Principal, Depends(require(Scope.CONFIG_READ))],
    ) -> ClockReading:
        return ClockReading(now=clock.now())

    return router
