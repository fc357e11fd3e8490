"""The CFPB import through the whole platform, as an operator runs it (#18's import goal).

    .venv/bin/python bench/cfpb_import.py [--csv ../shared/data/complaints-sample.csv]
                                          [--no-history] [--copies 1]

Starts what `make run` starts (bench/platform_under_test.py), runs `python -m
services.intake.tools.importer CSV --url <intake> --history` with a channel adapter's token,
and prints one JSON line: the rows, the importer's wall time and rows/s, and the seconds until
analytics counted every row (the import is through every service only then). `--copies N`
imports the file N times under other Complaint IDs (a larger file from the same rows).
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.pipeline import analytics_count  # noqa: E402
from bench.platform_under_test import Platform, rss_mib, started_platform  # noqa: E402

SAMPLE = ROOT.parent / "shared" / "data" / "complaints-sample.csv"


def copied(source: Path, copies: int, into: Path) -> tuple[Path, int]:
    """The CSV `copies` times over, each copy's Complaint IDs made its own; and its rows."""
    with source.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        fields, rows = reader.fieldnames or [], list(reader)
    path = into / "import.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=fields)
        writer.writeheader()
        for copy in range(copies):
            for row in rows:
                number = int(row["Complaint ID"]) + copy * 1_000_000_000
                writer.writerow({**row, "Complaint ID": str(number)})
    return path, len(rows) * copies


async def counted_by_analytics(platform: Platform, rows: int, timeout_s: float) -> float | None:
    """Seconds until analytics counted `rows` complaints; None if it did not within timeout."""
    started = time.monotonic()
    while time.monotonic() - started < timeout_s:
        if await analytics_count(platform) >= rows:
            return time.monotonic() - started
        await asyncio.sleep(0.5)
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--csv", type=Path, default=SAMPLE)
    parser.add_argument("--copies", type=int, default=1)
    parser.add_argument("--no-history", action="store_true")
    parser.add_argument("--drain-s", type=float, default=600)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-import-") as tmp, \
            started_platform(Path(tmp)) as platform:
        path, rows = copied(args.csv, args.copies, Path(tmp))
        token = platform.adapter["Authorization"].removeprefix("Bearer ")
        command = [sys.executable, "-m", "services.intake.tools.importer", str(path),
                   "--url", platform.urls["intake"], "--token", token,
                   *([] if args.no_history else ["--history"])]
        started = time.monotonic()
        done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
        imported_s = time.monotonic() - started
        through_s = asyncio.run(counted_by_analytics(platform, rows, args.drain_s))
        print(json.dumps({
            "rows": rows, "history": not args.no_history, "importer_exit": done.returncode,
            "imported_in_s": round(imported_s, 1), "rows_per_s": round(rows / imported_s, 1),
            "counted_by_analytics_after_s": None if through_s is None
            else round(imported_s + through_s, 1),
            "rss_total_mib": round(sum(rss_mib(pid) for pid in platform.pids.values())),
        }), flush=True)
        if done.returncode:
            print(done.stderr[-2000:], file=sys.stderr)


if __name__ == "__main__":
    main()
