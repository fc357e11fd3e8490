"""Concurrent HTTP filings share one transaction (runtime.group_commit) on SQLite and
PostgreSQL alike, a failing one undone alone."""

from __future__ import annotations

import pytest

from tests.integration.event_stores import intake, store_url_for
from tests.unit.runtime.test_group_commit import files_concurrently_one_refused

pytestmark = pytest.mark.integration


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request, tmp_path):
    yield from store_url_for(request.param, tmp_path, request)


def test_concurrent_filings_commit_together_and_a_refused_one_is_undone_alone(url):
    app = intake(url)
    try:
        files_concurrently_one_refused(app)
    finally:
        app.close()
