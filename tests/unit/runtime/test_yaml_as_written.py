"""A file read `as_written` gives its model the scalars as written, and refuses a repeated key."""

from __future__ import annotations

import pytest

from runtime.yaml_files import parse_data
from runtime.yaml_nodes import ConfigFileError


def test_scalars_stay_as_written_and_null_is_none():
    text = "version: 2024.10\nwhen: 2024-06-01\nsize: 010\non: yes\nempty:\nlist: [1.50, ~]\n"

    data = parse_data(text, "f.yaml", as_written=True)[1]

    assert data == {"version": "2024.10", "when": "2024-06-01", "size": "010", "on": "yes",
                    "empty": None, "list": ["1.50", None]}


@pytest.mark.parametrize(("text", "line", "reason"), [
    ("a: 1\nb:\n  c: 2\n  c: 3\n", 4, "'c' is given twice"),
    ("a: 1\n? [b]\n: 2\n", 2, "a key must be a text"),
])
def test_a_repeated_or_composite_key_is_refused_at_its_line(text, line, reason):
    with pytest.raises(ConfigFileError) as refused:
        parse_data(text, "f.yaml", as_written=True)

    assert (refused.value.line, refused.value.reason) == (line, reason)
