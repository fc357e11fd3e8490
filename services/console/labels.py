"""What the dashboard shows for the reports' raw keys, in the viewer's language: column names
from messages.yaml (`col_<key>`), category codes by intake's taxonomy (`name`, `name_zh`).
CSV exports keep the raw keys: they are analytics' own answers, passed through."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml

from contracts.intake import Language
from services.console.i18n import catalog

# Intake's taxonomy file, read as data: importing intake's classifier would pull scikit-learn
# and jieba into the console's image for two names per category.
TAXONOMY = Path(__file__).resolve().parents[1] / "intake" / "classification" / "taxonomy.yaml"

# Columns and dimensions whose values are category codes.
CATEGORY_KEYS = frozenset({"category"})


@cache
def category_names() -> dict[str, dict[str, str]]:
    """Each category code's name per language, from intake's taxonomy (read once)."""
    categories = yaml.safe_load(TAXONOMY.read_text(encoding="utf-8"))["categories"]
    return {c["id"]: {Language.EN.value: c["name"],
                      Language.ZH.value: c.get("name_zh") or c["name"]}
            for c in categories}


class Labels:
    """Column names and category names in one language; an unknown key shows as it is."""

    def __init__(self, language: Language) -> None:
        self.language = language.value

    def column(self, key: str) -> str:
        """A report column's name, e.g. csat_responses -> CSAT responses."""
        return catalog().get(f"col_{key}", {}).get(self.language, key)

    def value(self, key: str, value: Any) -> Any:
        """A cell as shown: a category code by its name, anything else unchanged."""
        if key in CATEGORY_KEYS and isinstance(value, str):
            return category_names().get(value, {}).get(self.language, value)
        return value
