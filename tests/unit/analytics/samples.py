"""The golden samples of contracts/, as analytics consumes them."""

from __future__ import annotations

import json
from pathlib import Path

import contracts
from contracts.registry import parse, topic_for
from contracts.topics import DOMAIN_TOPICS
from services.analytics.domain import Consumed

SAMPLES = Path(contracts.__file__).parent / "samples"


def raw_sample(event_type: str) -> dict:
    return json.loads((SAMPLES / f"{event_type}.json").read_text(encoding="utf-8"))


def domain_samples() -> list[Consumed]:
    """Every golden sample that travels on a domain topic, i.e. everything analytics reads."""
    paths = sorted(SAMPLES.glob("*.json"))
    return [
        Consumed(*parse(path.read_bytes()))
        for path in paths
        if topic_for(path.stem) in DOMAIN_TOPICS
    ]
