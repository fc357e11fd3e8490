"""Message templates (Jinja2), one file per template under templates/: a subject and a text per
language, and per channel where a channel needs its own (an SMS is short).

    en: {subject: "...", text: "..."}
    zh: {subject: "...", text: "..."}
    channels:
      sms: {en: {text: "..."}, zh: {text: "..."}}

Staff alerts' subjects may name the complaint's reference and nothing else (mail subjects and
robot titles are shown in lists and previews): `check_subjects` enforces it on load.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from jinja2 import Environment, StrictUndefined, meta

DEFAULT_DIR = Path(__file__).resolve().parent / "templates"
LANGUAGES = ("zh", "en")
SUBJECT_VARIABLES = frozenset({"reference"})


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str


class TemplateError(ValueError):
    """A template file is incomplete or its subject says more than the reference."""


class Templates:
    """Every template of a folder, checked on load; renders a message in a language."""

    def __init__(self, folder: Path = DEFAULT_DIR) -> None:
        self.env = Environment(undefined=StrictUndefined, autoescape=False,
                               keep_trailing_newline=False)
        self.sources: dict[str, dict[str, Any]] = {
            path.stem: yaml.safe_load(path.read_text(encoding="utf-8"))
            for path in sorted(Path(folder).glob("*.yaml"))
        }
        for name, source in self.sources.items():
            _check(self.env, name, source)

    def names(self) -> frozenset[str]:
        return frozenset(self.sources)

    def render(self, name: str, channel: str, language: str,
               facts: Mapping[str, Any]) -> Rendered:
        """The message from template `name` for a channel, in `language` (else English)."""
        source = self.sources[name]
        language = language if language in LANGUAGES else "en"
        base = source[language]
        own = source.get("channels", {}).get(channel, {}).get(language, {})
        subject = own.get("subject", base["subject"])
        text = own.get("text", base["text"])
        return Rendered(self.env.from_string(subject).render(**facts).strip(),
                        self.env.from_string(text).render(**facts).strip())


def _check(env: Environment, name: str, source: Any) -> None:
    if not isinstance(source, dict):
        raise TemplateError(f"{name}: a template file is a mapping of languages")
    for language in LANGUAGES:
        part = source.get(language)
        if not isinstance(part, dict) or not {"subject", "text"} <= set(part):
            raise TemplateError(f"{name}: `{language}` needs a subject and a text")
        subjects = [part["subject"]] + [
            own[language]["subject"] for own in source.get("channels", {}).values()
            if "subject" in own.get(language, {})
        ]
        for subject in subjects:
            named = meta.find_undeclared_variables(env.parse(subject))
            if named - SUBJECT_VARIABLES:
                raise TemplateError(f"{name}: a subject may name only the reference, not "
                                    f"{', '.join(sorted(named - SUBJECT_VARIABLES))}")
