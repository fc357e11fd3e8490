"""Active learning: agents' category corrections, recorded on the complaint and exported as
labels for retraining.

    python -m services.intake.tools.corrections --out corrections.csv
    python -m services.intake.tools.train --csv ... --corrections corrections.csv

The export opens each corrected complaint's text with its customer's key; an erased
customer's complaint is left out, and the CSV is plaintext to keep only as long as training.
"""

from __future__ import annotations

import csv
import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

from services.intake.application import IntakeApplication
from services.intake.classification.category_model import Example
from services.intake.classification.taxonomy import Taxonomy
from services.intake.domain import Complaint

CORRECTED = f"{Complaint.__module__}:{Complaint.__qualname__}.CategoryCorrected"
PAGE = 10  # the notification log hands out at most this many at a time


class UnknownCategory(ValueError):
    """A correction must name one of the taxonomy's categories, and not triage."""


def correct_category(
    app: IntakeApplication, *, complaint_id: uuid.UUID, category: str, agent_id: str, at: datetime,
    taxonomy: Taxonomy,
) -> None:
    """Record an agent's category on the complaint (published as category_corrected)."""
    if category not in taxonomy.ids or category == taxonomy.fallback:
        raise UnknownCategory(f"{category!r} is not a category an agent can set")
    complaint = app.get_complaint(complaint_id)
    complaint.correct_category(category=category, agent_id=agent_id, at=at)
    app.save(complaint)


def corrected_ids(app: IntakeApplication) -> Iterator[uuid.UUID]:
    """Every complaint with a correction, in the order corrected (once each)."""
    seen: set[uuid.UUID] = set()
    start = 1
    while True:
        page = app.notification_log.select(start, PAGE, topics=(CORRECTED,))
        for notification in page:
            if notification.originator_id not in seen:
                seen.add(notification.originator_id)
                yield notification.originator_id
        if len(page) < PAGE:
            return
        start = page[-1].id + 1


def corrections(app: IntakeApplication) -> list[Example]:
    """The corrected complaints' subject and text with the agent's latest category."""
    out = []
    for complaint_id in corrected_ids(app):
        complaint = app.get_complaint(complaint_id)
        if app.personal_data_erased(complaint):
            continue
        disclosed = app.disclose(complaint)
        out.append(Example(f"{disclosed.subject}\n{disclosed.text}",
                           complaint.understanding["category"]))
    return out


def write_csv(examples: list[Example], path: Path) -> None:
    """`category,text` rows, as the training command reads them."""
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["category", "text"])
        writer.writerows([e.category, e.text] for e in examples)
