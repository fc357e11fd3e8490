"""Classifier benchmark: train on a deterministic split of the CFPB sample, score the rest.

    .venv/bin/python bench/classifier.py [--csv ../shared/data/complaints-sample.csv]

Held out: the rows whose sha256(Complaint ID) mod 100 < 20 (about a fifth, the same rows on
every machine). Prints accuracy and macro-F1 of the product model on the held-out rows, the
same mapped to taxonomy categories, the whole classifier's category (keyword rules first),
a majority-class baseline, and the time per complaint.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sklearn.metrics import accuracy_score, f1_score  # noqa: E402

from services.intake.classification import Classifier  # noqa: E402
from services.intake.classification.model import ProductModel, cfpb_rows, held_out  # noqa: E402
from services.intake.classification.taxonomy import load_taxonomy  # noqa: E402

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "complaints-sample.csv"


def scores(truth: list[str], predicted: list[str]) -> str:
    accuracy = accuracy_score(truth, predicted)
    macro = f1_score(truth, predicted, average="macro", zero_division=0)
    return f"accuracy {accuracy:.3f}  macro-F1 {macro:.3f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--csv", type=Path, default=DATA)
    args = parser.parse_args()

    rows = cfpb_rows(args.csv)
    train = [r for r in rows if not held_out(r.key)]
    test = [r for r in rows if held_out(r.key)]
    started = time.perf_counter()
    model = ProductModel.train([r.text for r in train], [r.product for r in train])
    trained_in = time.perf_counter() - started

    truth = [r.product for r in test]
    predicted = model.predict_many([r.text for r in test])
    majority = Counter(r.product for r in train).most_common(1)[0][0]
    taxonomy = load_taxonomy(ROOT / "services/intake/classification/taxonomy.yaml")

    def category(product: str) -> str:
        return taxonomy.category_for_product(product) or taxonomy.fallback

    classifier = Classifier(model=model)  # the whole classifier, this split's model
    classified, timings = [], []
    for r in test:
        issue, _, rest = r.text.partition("\n")
        started = time.perf_counter()
        classified.append(classifier.classify(subject=issue, text=rest or issue).category)
        timings.append(time.perf_counter() - started)

    print(f"CFPB sample: {len(rows)} rows, {len(train)} train, {len(test)} held out, "
          f"{len(set(truth))} products held out; trained in {trained_in:.1f} s")
    print(f"product model, product:       {scores(truth, predicted)}")
    print(f"majority baseline, product:   {scores(truth, [majority] * len(test))}")
    print(f"product model, category:      "
          f"{scores([category(p) for p in truth], [category(p) for p in predicted])}")
    print(f"classifier (rules + model):   "
          f"{scores([category(p) for p in truth], classified)}")
    print(f"classify one complaint: median {statistics.median(timings) * 1000:.1f} ms, "
          f"p95 {sorted(timings)[int(len(timings) * 0.95)] * 1000:.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
