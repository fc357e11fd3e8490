"""Where the real CFPB sample lives (../shared/data beside the repository, or $CFPB_SAMPLE)."""

from __future__ import annotations

import csv
import os
from pathlib import Path

CFPB_SAMPLE = Path(
    os.environ.get("CFPB_SAMPLE")
    or Path(__file__).resolve().parents[4] / "shared/data/complaints-sample.csv"
)


def cfpb_rows() -> list[dict[str, str]]:
    """Every row of the sample, read with the csv module alone."""
    with CFPB_SAMPLE.open(encoding="utf-8", newline="") as file:
        return list(csv.DictReader(file))
