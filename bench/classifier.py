"""Classifier benchmark: train on a deterministic split of the CFPB sample, score the rest.

    .venv/bin/python bench/classifier.py [--csv ../shared/data/complaints-sample.csv]

Held out: the rows whose sha256(Complaint ID) mod 100 < 20 (the same rows on every machine);
scored on the held-out rows' narrative alone, what a customer types. The models learn the
other rows (Issue, Sub-issue and narrative) and, for the category, seed.csv. Then the Chinese
evaluation set (bench/data/zh_complaints.csv, never trained on), the majority baselines, the
triage rate at the taxonomy's threshold and around it, the time per complaint, and active
learning: corrections of one fixed half of the Chinese set, scored on the other half.
"""

from __future__ import annotations

import argparse
import csv
import statistics
import sys
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sklearn.metrics import accuracy_score, f1_score  # noqa: E402

from services.intake.classification import Classifier, ToClassify  # noqa: E402
from services.intake.classification.category_model import CategoryModel, Example  # noqa: E402
from services.intake.classification.model import ProductModel, cfpb_rows, held_out  # noqa: E402
from services.intake.classification.taxonomy import load_taxonomy  # noqa: E402
from services.intake.classification.text import tokens  # noqa: E402
from services.intake.tools.train import category_examples  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "complaints-sample.csv"
CHINESE = ROOT / "bench" / "data" / "zh_complaints.csv"
TAXONOMY = load_taxonomy(ROOT / "services/intake/classification/taxonomy.yaml")
NARRATIVE = "Consumer complaint narrative"
BATCH = 32


def scores(truth: Sequence[str], predicted: Sequence[str]) -> str:
    """Macro-F1 over the categories the truth has: a wrong answer is a miss of its true
    category, and categories the set never has add no zero of their own."""
    accuracy = accuracy_score(truth, predicted)
    macro = f1_score(truth, predicted, labels=sorted(set(truth)), average="macro",
                     zero_division=0)
    return f"accuracy {accuracy:.3f}  macro-F1 {macro:.3f}  (n={len(truth)})"


def narratives(path: Path) -> dict[str, str]:
    """Complaint ID -> the narrative, for the rows that have one."""
    with path.open(encoding="utf-8", newline="") as f:
        return {r["Complaint ID"]: r[NARRATIVE] for r in csv.DictReader(f) if r[NARRATIVE].strip()}


def chinese(path: Path = CHINESE) -> list[Example]:
    with path.open(encoding="utf-8", newline="") as f:
        return [Example(r["text"], r["category"]) for r in csv.DictReader(f)]


def by_keywords(text: str) -> str:
    """What the keyword rules alone decide: Chinese text's only path before the model."""
    matches = TAXONOMY.match(tokens(text))
    if matches and matches[0].weight >= TAXONOMY.min_rule_weight:
        return matches[0].category
    return TAXONOMY.fallback


def classified(classifier: Classifier, texts: Sequence[str]) -> tuple[list[str], list[float]]:
    """The whole classifier's category of each text, and the seconds each took one at a time."""
    categories, seconds = [], []
    for text in texts:
        started = time.perf_counter()
        categories.append(classifier.classify(subject="", text=text).category)
        seconds.append(time.perf_counter() - started)
    return categories, seconds


def batched(classifier: Classifier, texts: Sequence[str], size: int = BATCH) -> list[float]:
    """Seconds per complaint of each batch of `size` through classify_many."""
    per_item = []
    for start in range(0, len(texts) - size + 1, size):
        batch = [ToClassify("", t) for t in texts[start:start + size]]
        started = time.perf_counter()
        classifier.classify_many(batch)
        per_item.append((time.perf_counter() - started) / size)
    return per_item


def report_classifier(name: str, truth: Sequence[str], predicted: Sequence[str]) -> None:
    """Scores counting triage as a miss, the triage rate, and the scores of the decided."""
    triage = TAXONOMY.fallback
    decided = [(t, p) for t, p in zip(truth, predicted, strict=True) if p != triage]
    print(f"{name}, classifier:       {scores(truth, predicted)}  (triage counts as wrong)")
    print(f"{name}, triage rate:      {1 - len(decided) / len(truth):.3f} "
          f"(threshold {TAXONOMY.triage_at})")
    if decided:
        print(f"{name}, decided only:     {scores(*zip(*decided, strict=True))}")


def thresholds(name: str, model: CategoryModel, texts: Sequence[str], truth: Sequence[str]) -> None:
    """How triage rate and the decided ones' accuracy move with the threshold (model only)."""
    guesses = model.predict_many(texts)
    cells = []
    for at in (0.3, 0.4, 0.5, 0.6, 0.7):
        kept = [(t, g.category) for t, g in zip(truth, guesses, strict=True) if g.probability >= at]
        right = sum(t == c for t, c in kept) / len(kept) if kept else 0.0
        cells.append(f"{at}: triage {1 - len(kept) / len(truth):.2f} acc {right:.2f}")
    print(f"{name}, model by threshold: " + " | ".join(cells))


def evaluate(name: str, model: CategoryModel, classifier: Classifier, texts: Sequence[str],
             truth: Sequence[str]) -> list[float]:
    """The category model alone, the whole classifier, and the model by threshold, on one
    language's set; returns the classifier's seconds per complaint."""
    print(f"{name} category model, category:  "
          f"{scores(truth, [g.category for g in model.predict_many(texts)])}")
    predicted, seconds = classified(classifier, texts)
    report_classifier(name, truth, predicted)
    thresholds(name, model, texts, truth)
    return seconds


def active_learning(train: list[Example], zh: list[Example], before: CategoryModel) -> None:
    """Agents correct what the model got wrong in one half of the Chinese set; retrained with
    those corrections as labels, the other half is scored before and after."""
    pool = [e for e in zh if held_out(e.text, 50)]
    scored = [e for e in zh if not held_out(e.text, 50)]
    wrong = [e for e, g in zip(pool, before.predict_many([e.text for e in pool]), strict=True)
             if g.category != e.category or g.probability < TAXONOMY.triage_at]
    after = CategoryModel.train([*train, *wrong])
    truth = [e.category for e in scored]
    for label, model in (("before", before), ("after", after)):
        predicted = [g.category for g in model.predict_many([e.text for e in scored])]
        print(f"active learning, {label} {len(wrong) if label == 'after' else 0:>3} corrections: "
              f"{scores(truth, predicted)}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--csv", type=Path, default=DATA, help="a CFPB complaints export")
    parser.add_argument("--chinese", type=Path, default=CHINESE)
    args = parser.parse_args()

    rows, said = cfpb_rows(args.csv), narratives(args.csv)
    train = [r for r in rows if not held_out(r.key)]
    test = [r for r in rows if held_out(r.key) and r.key in said]
    started = time.perf_counter()
    products = ProductModel.train([r.text for r in train], [r.product for r in train])
    examples = category_examples(train, TAXONOMY)
    categories = CategoryModel.train(examples)
    trained_in = time.perf_counter() - started
    classifier = Classifier(model=products, category_model=categories)

    def category(product: str) -> str:
        return TAXONOMY.category_for_product(product) or TAXONOMY.fallback

    texts = [said[r.key] for r in test]
    truth = [r.product for r in test]
    print(f"CFPB: {len(rows)} rows, {len(train)} train; held out with a narrative: {len(test)}, "
          f"{len(set(truth))} products; trained in {trained_in:.1f} s")
    majority = Counter(r.product for r in train).most_common(1)[0][0]
    print(f"EN majority baseline, product: {scores(truth, [majority] * len(test))}")
    print(f"EN product model, product:    {scores(truth, products.predict_many(texts))}")
    truth_c = [category(p) for p in truth]
    majority_c = Counter(e.category for e in examples).most_common(1)[0][0]
    print(f"EN majority baseline, category: {scores(truth_c, [majority_c] * len(test))}")
    en_seconds = evaluate("EN", categories, classifier, texts, truth_c)

    zh = chinese(args.chinese)
    zh_texts, zh_truth = [e.text for e in zh], [e.category for e in zh]
    print(f"ZH set: {len(zh)} complaints, {len(set(zh_truth))} categories")
    majority_zh = Counter(zh_truth).most_common(1)[0][0]
    print(f"ZH majority baseline:         {scores(zh_truth, [majority_zh] * len(zh))}")
    print(f"ZH keywords only (old path):  {scores(zh_truth, [by_keywords(t) for t in zh_texts])}")
    zh_seconds = evaluate("ZH", categories, classifier, zh_texts, zh_truth)

    seconds = sorted(en_seconds + zh_seconds)
    print(f"classify one complaint at a time: median "
          f"{statistics.median(seconds) * 1000:.2f} ms, p95 "
          f"{seconds[int(len(seconds) * 0.95)] * 1000:.2f} ms")
    for name, sample in (("EN", texts), ("ZH", zh_texts)):
        per_item = sorted(batched(classifier, sample))
        print(f"classify_many, {name}, batches of {BATCH}: per complaint median "
              f"{statistics.median(per_item) * 1000:.2f} ms, worst batch "
              f"{per_item[-1] * 1000:.2f} ms")
    active_learning(examples, zh, categories)
    return 0


if __name__ == "__main__":
    sys.exit(main())
