"""Every service's 422 speaks the caller's language: Chinese for zh, pydantic's English else."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import BaseModel, ConfigDict, Field

from runtime import request_validation
from runtime.validation_messages import ZH


class Filing(BaseModel):
    model_config = ConfigDict(extra="forbid")

    subject: str = Field(max_length=5)
    amount: int = Field(ge=1)


@pytest.fixture
def client() -> TestClient:
    api = FastAPI()
    request_validation.install(api)

    @api.post("/filings")
    def file(filing: Filing) -> dict:
        return {}

    return TestClient(api)


BAD = {"subject": "far too long", "amount": 0, "colour": "red"}


def test_a_chinese_caller_reads_why_in_chinese(client):
    answer = client.post("/filings", json=BAD, headers={"Accept-Language": "zh-CN,en;q=0.5"})
    assert answer.status_code == 422
    assert {tuple(e["loc"]): e["msg"] for e in answer.json()["errors"]} == {
        ("body", "subject"): "最多 5 个字符",
        ("body", "amount"): "应大于或等于 1",
        ("body", "colour"): "不允许的字段",
    }


def test_others_read_pydantics_english(client):
    answer = client.post("/filings", json={"amount": 2}, headers={"Accept-Language": "en-GB"})
    assert [(e["loc"], e["msg"]) for e in answer.json()["errors"]] == [
        (["body", "subject"], "Field required")]
    preferred_english = client.post("/filings", json={"amount": 2},
                                    headers={"Accept-Language": "en, zh;q=0.8"})
    assert preferred_english.json()["errors"][0]["msg"] == "Field required"


def test_refused_text_is_explained_in_chinese_too(client):
    answer = client.post("/filings", content=b'{"subject": "\\ud800", "amount": 1}',
                         headers={"Accept-Language": "zh", "content-type": "application/json"})
    assert answer.json()["errors"][0]["msg"] == ZH["string_unicode"]
