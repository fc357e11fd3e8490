"""The spike detector on synthetic series: a spike alerts, flat and noisy-flat series do not."""

from __future__ import annotations

import random
from collections.abc import Sequence

import pytest

from services.analytics.spikes import SpikeRule, Verdict, judge, window_start

RULE = SpikeRule(baseline_windows=24, margin_ratio=0.5, margin_sigma=3.0, min_margin=5.0)


def spikes_in(series: Sequence[int], rule: SpikeRule) -> list[int]:
    """Indexes of the windows of a series that spike against the windows before them."""
    return [
        i for i in range(rule.baseline_windows, len(series))
        if judge(series[:i], series[i], rule).spiking
    ]


def test_a_synthetic_spike_alerts_in_its_window_only() -> None:
    series = [20] * 48
    series[30] = 45

    assert spikes_in(series, RULE) == [30]
    # Baseline 20, margin max(5, 0.5 * 20, 3 * 0) = 10: 31 is a spike, 30 is not.
    assert judge([20] * 24, 31, RULE).spiking
    assert not judge([20] * 24, 30, RULE).spiking
    assert judge([20] * 24, 45, RULE) == Verdict(count=45, baseline=20.0, margin=10.0)


def test_a_flat_series_never_alerts() -> None:
    assert spikes_in([20] * 200, RULE) == []
    assert spikes_in([0] * 200, RULE) == []


def test_a_noisy_but_flat_series_never_alerts() -> None:
    noise = random.Random(8)
    series = [max(0, round(noise.gauss(50, 6))) for _ in range(2000)]

    assert spikes_in(series, RULE) == []
    # The same noise with a real jump on top alerts exactly there.
    series[1500] += 60
    assert spikes_in(series, RULE) == [1500]


def test_weekly_seasonality_does_not_alert_but_a_doubling_does() -> None:
    week = [30, 32, 31, 29, 33, 8, 6]  # weekends quiet
    series = week * 20

    assert spikes_in(series, SpikeRule(baseline_windows=14)) == []
    series[100] *= 2  # a Wednesday doubles to 62: baseline 24.14, margin 3 sigma = 32.8
    assert spikes_in(series, SpikeRule(baseline_windows=14)) == [100]


def test_a_new_value_needs_more_than_the_absolute_margin() -> None:
    assert not judge([0] * 24, 5, RULE).spiking
    assert judge([0] * 24, 6, RULE).spiking


def test_rules_and_history_are_checked() -> None:
    with pytest.raises(ValueError, match="two windows"):
        SpikeRule(baseline_windows=1)
    with pytest.raises(ValueError, match="not negative"):
        SpikeRule(margin_ratio=-1)
    with pytest.raises(ValueError, match="need 24 windows"):
        judge([1, 2, 3], 4, RULE)


def test_windows_align_to_their_length() -> None:
    assert window_start(7199.9, 3600) == 3600
    assert window_start(7200, 3600) == 7200
