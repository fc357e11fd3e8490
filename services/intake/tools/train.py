"""Train the product and category classifiers and write their model files.

    python -m services.intake.tools.train \
        --csv ../shared/data/complaints-sample.csv [--corrections corrections.csv]

The product model learns the CFPB rows' Product; the category model learns their category
(through taxonomy.yaml's product mapping), the written examples in seed.csv, and agents'
corrections (a CSV of `category,text`, as `python -m services.intake.tools.corrections` exports).
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from runtime import cli
from services.intake.classification.category_model import (
    SEED,
    CategoryModel,
    Example,
    examples_csv,
)
from services.intake.classification.model import Labelled, ProductModel, cfpb_rows
from services.intake.classification.taxonomy import Taxonomy, load_taxonomy

HERE = Path(__file__).resolve().parent


def cfpb_examples(rows: Sequence[Labelled], taxonomy: Taxonomy) -> list[Example]:
    """CFPB rows as category examples; rows whose product the taxonomy does not map are left out."""
    mapped = ((r.text, taxonomy.category_for_product(r.product)) for r in rows)
    return [Example(text, category) for text, category in mapped if category]


def category_examples(
    rows: Sequence[Labelled], taxonomy: Taxonomy, *, seed: Path = SEED,
    corrections: Sequence[Example] = (),
) -> list[Example]:
    """Everything the category model learns from: CFPB rows, the seed, the corrections."""
    unknown = sorted({e.category for e in corrections} - set(taxonomy.ids))
    if unknown:
        raise ValueError(f"corrections name categories the taxonomy does not have: {unknown}")
    return [*cfpb_examples(rows, taxonomy), *examples_csv(seed), *corrections]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--csv", type=Path, required=True, help="a CFPB complaints export")
    parser.add_argument("--corrections", type=Path, help="agents' corrections (category,text)")
    parser.add_argument("--out", type=Path, default=HERE / "model.joblib",
                        help="where to write the product model")
    parser.add_argument("--category-out", type=Path, default=HERE / "category_model.joblib",
                        help="where to write the category model")
    args = parser.parse_args(argv)

    rows = cfpb_rows(args.csv)
    if not rows:
        print(f"{args.csv}: no rows to train on", file=sys.stderr)
        return 1
    corrections = examples_csv(args.corrections) if args.corrections else []
    taxonomy = load_taxonomy(HERE / "taxonomy.yaml")
    examples = category_examples(rows, taxonomy, corrections=corrections)
    for out in (args.out, args.category_out):
        out.parent.mkdir(parents=True, exist_ok=True)
    ProductModel.train([r.text for r in rows], [r.product for r in rows]).save(args.out)
    CategoryModel.train(examples).save(args.category_out)
    counts = Counter(r.product for r in rows)
    print(f"product model: {len(rows)} rows, {len(counts)} products -> {args.out} "
          f"({args.out.stat().st_size / 1e6:.1f} MB)")
    print(f"category model: {len(examples)} examples ({len(corrections)} corrections), "
          f"{len({e.category for e in examples})} categories -> {args.category_out} "
          f"({args.category_out.stat().st_size / 1e6:.1f} MB)")
    return 0


if __name__ == "__main__":
    cli.run(main, OSError, ValueError)
