"""Spike detection (pure): is a window's count well above the windows before it?

The baseline is the mean count of the trailing windows; the margin is the largest of an
absolute floor, a share of the baseline and a multiple of the trailing standard deviation,
so a series that is noisy but flat does not alert, and a rare value needs a real jump.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class SpikeRule:
    """When a count is a spike: count > baseline + margin."""

    baseline_windows: int = 24
    margin_ratio: float = 0.5
    margin_sigma: float = 3.0
    min_margin: float = 5.0

    def __post_init__(self) -> None:
        if self.baseline_windows < 2:
            raise ValueError("a baseline needs at least two windows")
        if min(self.margin_ratio, self.margin_sigma, self.min_margin) < 0:
            raise ValueError("margins are not negative")


@dataclass(frozen=True)
class Verdict:
    """How one window compares with its baseline."""

    count: int
    baseline: float
    margin: float

    @property
    def spiking(self) -> bool:
        return self.count > self.baseline + self.margin


def judge(history: Sequence[int], count: int, rule: SpikeRule) -> Verdict:
    """Compare a count with the last `rule.baseline_windows` counts before it."""
    trailing = list(history)[-rule.baseline_windows:]
    if len(trailing) < rule.baseline_windows:
        raise ValueError(f"need {rule.baseline_windows} windows of history, got {len(trailing)}")
    baseline = statistics.fmean(trailing)
    margin = max(
        rule.min_margin,
        rule.margin_ratio * baseline,
        rule.margin_sigma * statistics.pstdev(trailing),
    )
    return Verdict(count=count, baseline=round(baseline, 6), margin=round(margin, 6))


def window_start(epoch_s: float, window_s: int) -> int:
    """The start (epoch seconds) of the window an instant falls in; windows align to 0."""
    return int(epoch_s // window_s) * window_s
