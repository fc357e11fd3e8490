"""Train the product classifier from labelled history and write the model file.

    python -m services.intake.classification.train \
        --csv ../shared/data/complaints-sample.csv \
        --out services/intake/classification/model.joblib
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

from runtime import cli
from services.intake.classification.model import ProductModel, cfpb_rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--csv", type=Path, required=True, help="a CFPB complaints export")
    parser.add_argument("--out", type=Path, required=True, help="where to write the model")
    args = parser.parse_args(argv)

    rows = cfpb_rows(args.csv)
    if not rows:
        print(f"{args.csv}: no rows to train on", file=sys.stderr)
        return 1
    model = ProductModel.train([r.text for r in rows], [r.product for r in rows])
    args.out.parent.mkdir(parents=True, exist_ok=True)
    model.save(args.out)
    counts = Counter(r.product for r in rows)
    print(f"trained on {len(rows)} rows, {len(counts)} products -> {args.out} "
          f"({args.out.stat().st_size / 1e6:.1f} MB)")
    return 0


if __name__ == "__main__":
    cli.run(main, OSError)
