"""Work's routes refuse a query parameter they do not take, naming it: the console once asked
for `assignee=me` (work's word is `view=mine`) and got every complaint it could see instead."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from services.work.bootstrap import bootstrap
from services.work.config import WorkSettings
from tests.auth_tokens import Tokens, bearer
from tests.problems import kind

LISTED = ("category, channel, cursor, direction, due_before, limit, received_from, "
          "received_to, severity, sla_state, sort, stage, status, tag, view")


@pytest.fixture
def work(tmp_path, tokens: Tokens):
    http, runtime = bootstrap(WorkSettings(data_dir=tmp_path, work_search_key="k" * 32,
                                           work_customer_keys_url="off", **tokens.settings))
    agent = bearer(tokens.token("agent", tenant="acme", departments=["billing"], sub="al"))
    yield TestClient(http, headers=agent)
    runtime.app.close()


def test_an_unknown_parameter_of_the_list_is_a_422_naming_it(work):
    answer = work.get("/v1/work/complaints", params={"assignee": "me", "sort": "due_at"})
    assert (answer.status_code, answer.json()["errors"]) == (422, [{
        "type": "query_unknown", "loc": ["query", "assignee"],
        "msg": f"Unknown query parameter 'assignee'; this route takes: {LISTED}",
        "ctx": {"parameter": "assignee", "accepted": LISTED}}])


def test_each_unknown_parameter_is_named_in_the_callers_language(work):
    answer = work.get("/v1/work/about-to-breach", params={"minutes": 60, "dept": "x", "me": "1"},
                      headers={"accept-language": "zh-CN"})
    assert answer.status_code == 422
    assert [(e["loc"], e["msg"]) for e in answer.json()["errors"]] == [
        (["query", "dept"], "未知的查询参数 dept；此接口接受：cursor, limit, minutes"),
        (["query", "me"], "未知的查询参数 me；此接口接受：cursor, limit, minutes")]


@pytest.mark.parametrize(("path", "params"), [
    ("/v1/work/complaints", {"view": "mine", "sort": "due_at", "direction": "asc",
                             "limit": 10, "status": "received", "tag": "urgent"}),
    ("/v1/work/complaints", {"view": "department"}),
    ("/v1/work/about-to-breach", {"minutes": 240, "limit": 5}),
    ("/v1/work/search", {"customer_id": "cust-1", "limit": 5}),
])
def test_the_parameters_work_documents_are_taken(work, path, params):
    answer = work.get(path, params=params)
    assert (answer.status_code, answer.json()) == (200, {"items": [], "next_cursor": None})


def test_an_object_route_takes_no_query_parameter(work):
    answer = work.get("/v1/work/complaints/3f1c2d8e-0000-4000-8000-000000000001",
                      params={"tenant": "globex"})
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["ctx"] == {"parameter": "tenant", "accepted": "none"}


def test_a_forged_cursor_and_a_bad_parameter_are_problems_of_their_types(work):
    forged = work.get("/v1/work/complaints", params={"cursor": "not-a-cursor-of-ours"})
    unknown = work.get("/v1/work/complaints", params={"assignee": "me"})

    assert [kind(r) for r in (forged, unknown)] == [(400, "bad-cursor"),
                                                    (422, "invalid-request")]
    assert [e["loc"] for e in unknown.json()["errors"]] == [["query", "assignee"]]
