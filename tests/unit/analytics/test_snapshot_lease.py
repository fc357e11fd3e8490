"""Issue #13, point 8, replica safety: only the holder of the lease refreshes the snapshot; when
it stops, another replica takes over."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime

from runtime.lease import lease_for
from services.analytics.snapshot import Refreshed, keep_current


class CountingSnapshot:
    def __init__(self) -> None:
        self.refreshes = 0

    def refresh(self) -> Refreshed:
        self.refreshes += 1
        return Refreshed(up_to=datetime.now(UTC), complaints=0, everything=False, seconds=0.0)


async def until(condition, steps: int = 2000) -> None:
    for _ in range(steps):
        if condition():
            return
        await asyncio.sleep(0.005)
    raise AssertionError("condition never held")


async def test_replica_safety_one_replica_refreshes_the_snapshot_and_another_takes_over(tmp_path):
    snapshots = [CountingSnapshot(), CountingSnapshot()]
    leases = [lease_for(service="analytics", task="snapshot-refresh", database_url="",
                        data_dir=tmp_path) for _ in snapshots]
    leader = asyncio.create_task(keep_current(snapshots[0], 0.01, leases[0]))
    await until(lambda: snapshots[0].refreshes >= 1)
    standby = asyncio.create_task(keep_current(snapshots[1], 0.01, leases[1]))
    await until(lambda: snapshots[0].refreshes >= 5)
    assert (snapshots[1].refreshes, leases[1].role) == (0, "standby")

    leader.cancel()  # the leader stops: its lease goes with it
    with contextlib.suppress(asyncio.CancelledError):
        await leader
    await until(lambda: snapshots[1].refreshes >= 1)
    standby.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await standby
    assert [lease.role for lease in leases] == ["standby", "standby"]
