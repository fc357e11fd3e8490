"""CSV the platform writes: text a spreadsheet would run as a formula gets a leading apostrophe
(OWASP), numbers stay numbers, and a carriage return never ends a row early."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest

from runtime.csv_export import cell, csv_text


@pytest.mark.parametrize("text", ["=1+1", "+1", "-1+cmd", "@SUM(A1)", "\t=1", "\r=1",
                                  "＝1", "＋1", "－1", "＠A1", "-3", "="])
def test_text_a_spreadsheet_would_run_gets_an_apostrophe(text: str):
    assert cell(text) == "'" + text


@pytest.mark.parametrize("text", ["Card", "1+1", " =1", "'=1", "a=b", "", "王 =1"])
def test_other_text_is_left_alone(text: str):
    assert cell(text) == text


@pytest.mark.parametrize("number", [-3, -0.5, Decimal("-1.25"), 0, 7, True])
def test_numbers_stay_numbers_even_negative(number):
    assert cell(number) is number


def test_none_is_an_empty_cell():
    assert cell(None) == ""


def test_a_report_reads_back_as_written_with_neutralised_text():
    rows = [{"region": "=cmd", "delta": -3, "note": "two\r\nlines\r=1+1", "rate": None}]

    text = csv_text(["region", "delta", "note", "rate"], rows)

    assert text == 'region,delta,note,rate\r\n\'=cmd,-3,"two\r\nlines\r=1+1",\r\n'
    assert list(csv.reader(io.StringIO(text, newline=""))) == [
        ["region", "delta", "note", "rate"], ["'=cmd", "-3", "two\r\nlines\r=1+1", ""]]
