"""The read model's scenarios (tests/unit/work/test_read_model.py) on PostgreSQL: the same
statements, placeholders and row locks as on SQLite."""

from __future__ import annotations

import pytest

from runtime.eventstore import persistence_env
from services.work.projection import Projection
from services.work.queries import WorkQueries
from services.work.store import PostgresStore
from tests.unit.work.conftest import KEY
from tests.unit.work.test_read_model import (  # noqa: F401 - collected here, on PostgreSQL
    test_a_repeated_event_changes_nothing,
    test_about_to_breach_is_soonest_deadline_first,
    test_another_tenants_complaints_are_never_listed,
    test_customer_360,
    test_erasure_leaves_nothing_to_find_the_customer_by,
    test_search_by_reference_customer_contact_and_words,
    test_the_lifecycle_sets_status_stage_and_sla_state,
    test_topics_arriving_out_of_order_give_the_same_status,
    test_views_and_filters,
)

pytestmark = pytest.mark.integration


@pytest.fixture
def store(postgres_url):
    store = PostgresStore(persistence_env(postgres_url))
    store.drop()  # the scenarios reuse complaint ids: start from empty tables
    store.open()
    yield store
    store.close()


@pytest.fixture
def projection(store):
    return Projection(store, search_key=KEY, opener=None)


@pytest.fixture
def queries(store):
    return WorkQueries(store, search_key=KEY)
