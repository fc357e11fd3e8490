"""CSV that is safe to open in a spreadsheet: every CSV the platform writes goes through here.

A cell whose text starts with = + - @, a tab or a carriage return is taken for a formula by
Excel, LibreOffice and Google Sheets (CSV injection): `=HYPERLINK(...)` as the product a filer
typed would run on the analyst who opens a report. As OWASP recommends, such text gets a leading
apostrophe, which the spreadsheet reads as "this is text" and does not show. The full-width
forms (＝ ＋ － ＠) are treated alike, as some spreadsheet locales read them as their ASCII twins.

Only text is prefixed. Numbers stay numbers: -3 in a numeric column is a value, not a formula,
and an apostrophe would make it text that no sum counts. A string that looks like a number
("-3" as a region a filer typed) is text, and is prefixed.

Rows end in CRLF (RFC 4180). With LF endings Python's csv module leaves a carriage return inside
a cell unquoted, and spreadsheets break the row there: "Card\r=cmd|..." would start a row whose
first cell is a formula. With CRLF every cell holding a CR or LF is quoted.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")


def cell(value: Any) -> Any:
    """value as one CSV cell: None empty, text that a spreadsheet would run prefixed with '."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_text(columns: Sequence[str], rows: Iterable[Mapping[str, Any]]) -> str:
    """A header row of columns, then each row's cells in that order."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([cell(column) for column in columns])
    writer.writerows([cell(row[column]) for column in columns] for row in rows)
    return out.getvalue()
