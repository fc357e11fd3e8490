"""Alerts published by analytics on `analytics.events.v1`."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field, model_validator

from contracts.envelope import DomainEvent


class SpikeDetected(DomainEvent):
    """Complaints for one value of a dimension rose well above their usual level."""

    event_type = "analytics.spike_detected.v1"
    dimension: str = Field(
        min_length=1, description="What was counted by, e.g. category, product, region, channel"
    )
    value: str = Field(description="The value of the dimension that spiked, e.g. a category")
    window_start: datetime
    window_end: datetime
    count: int = Field(ge=0, description="Complaints in the window")
    baseline: float = Field(ge=0, description="Expected complaints in a window of this length")
    margin: float = Field(
        ge=0,
        description="Allowed deviation above the baseline; a spike is count > baseline + margin",
    )

    @model_validator(mode="after")
    def check_window(self) -> SpikeDetected:
        if self.window_end <= self.window_start:
            raise ValueError("window_end must be after window_start")
        return self


EVENTS: tuple[type[DomainEvent], ...] = (SpikeDetected,)
