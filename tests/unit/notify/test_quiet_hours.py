"""Quiet hours hold a message until their end, in the rule file's time zone."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest

from services.notify.quiet import QuietHours

NIGHT = QuietHours(time(22), time(8), "Asia/Shanghai")
LUNCH = QuietHours(time(12), time(13, 30), "UTC")


@pytest.mark.parametrize(("at", "opens"), [
    # 21:59 Shanghai: still open.
    (datetime(2026, 12, 4, 13, 59, tzinfo=UTC), datetime(2026, 12, 4, 13, 59, tzinfo=UTC)),
    # 22:00 Shanghai: quiet until 08:00 the next morning (00:00 UTC).
    (datetime(2026, 12, 4, 14, 0, tzinfo=UTC), datetime(2026, 12, 5, 0, 0, tzinfo=UTC)),
    # 03:00 Shanghai, after midnight: quiet until 08:00 the same morning.
    (datetime(2026, 12, 4, 19, 0, tzinfo=UTC), datetime(2026, 12, 5, 0, 0, tzinfo=UTC)),
    # 08:00 Shanghai exactly: open again.
    (datetime(2026, 12, 5, 0, 0, tzinfo=UTC), datetime(2026, 12, 5, 0, 0, tzinfo=UTC)),
])
def test_a_span_across_midnight(at: datetime, opens: datetime):
    assert NIGHT.next_open(at) == opens


def test_a_span_within_one_day():
    assert LUNCH.next_open(datetime(2026, 12, 4, 12, 45, tzinfo=UTC)) == datetime(
        2026, 12, 4, 13, 30, tzinfo=UTC)
    assert LUNCH.next_open(datetime(2026, 12, 4, 13, 30, tzinfo=UTC)) == datetime(
        2026, 12, 4, 13, 30, tzinfo=UTC)
    assert LUNCH.contains(time(11, 59)) is False
