"""The read model fed with a scripted lifecycle: rows, SLA state, lists, search, 360, erasure."""

from __future__ import annotations

from datetime import timedelta

from runtime.auth.roles import Role
from services.work.queries import SearchTerms
from services.work.query import Direction, Filters, SortKey, View
from tests.unit.work.script import T0, Script
from tests.unit.work.test_query import person

AGENT = person(Role.AGENT, departments=["billing"], sub="alice")
MANAGER = person(Role.SUPERVISOR, departments=["billing", "claims"], sub="sue")


def fed(projection, script: Script) -> None:
    for _, envelope, event in script.sent:
        projection.apply(envelope, event)


def ids(listing) -> list[str]:
    return [row["complaint_id"] for row in listing.rows]


def lifecycle() -> Script:
    s = Script("acme")
    s.received("c-1", customer="cust-1", minute=0, contact="138-1234-5678",
               subject="重复扣款", text="我的信用卡被重复扣款，订单 A-77 请退款")
    s.classified("c-1", category="billing", severity="P2", minute=1)
    s.assigned("c-1", department="billing", queue="billing-l1", agent="alice", minute=2)
    s.clock("c-1", warn=60, due=120, minute=2)
    s.investigating("c-1", minute=10)
    s.received("c-2", customer="cust-1", minute=5, channel="phone", reference="ORD-9",
               contact="ana@example.com", text="The parcel never arrived.")
    s.classified("c-2", category="delivery", severity="P1", minute=6)
    s.assigned("c-2", department="billing", queue="billing-l1", agent=None, minute=7)
    s.clock("c-2", warn=20, due=40, minute=7)
    s.warned("c-2", minute=20)
    s.received("c-3", customer="cust-2", minute=8, text="Card charged twice again.")
    s.classified("c-3", category="billing", severity="P3", minute=9)
    s.assigned("c-3", department="claims", queue="claims-l1", agent="carl", minute=9)
    s.clock("c-3", warn=30, due=50, minute=9)
    s.breached("c-3", minute=50)
    s.resolved("c-1", minute=100)
    s.stopped("c-1", met=True, minute=100)
    s.feedback("c-1", csat=4, minute=110)
    s.closed("c-1", minute=111)
    return s


def test_the_lifecycle_sets_status_stage_and_sla_state(projection, queries):
    fed(projection, lifecycle())
    rows = {r["complaint_id"]: r for r in queries.complaints(
        MANAGER, view=View.ALL, filters=Filters()).rows}
    assert {k: (r["status"], r["stage"], r["sla_state"], r["agent_id"], r["csat"], r["outcome"])
            for k, r in rows.items()} == {
        "c-1": ("closed", "resolution", "on_time", "alice", 4, "explanation_apology"),
        "c-2": ("queued", "dispatch", "warning", None, None, None),
        "c-3": ("assigned", "dispatch", "breached", "carl", None, None),
    }
    assert rows["c-2"]["due_at"] == "2026-03-02T09:40:00.000000Z"
    assert rows["c-2"]["warn_at"] is None  # raised already
    assert rows["c-1"]["due_at"] is None  # its clock stopped


def test_a_repeated_event_changes_nothing(projection, store):
    script = lifecycle()
    fed(projection, script)
    before = store.select("SELECT * FROM work_complaints ORDER BY complaint_id")
    assert [projection.apply(e, ev) for _, e, ev in script.sent] == [False] * len(script.sent)
    assert store.select("SELECT * FROM work_complaints ORDER BY complaint_id") == before


def test_topics_arriving_out_of_order_give_the_same_status(projection, queries):
    script = lifecycle()  # each topic in its order, the topics one after another backwards
    for topic in ("resolution.events.v1", "sla.events.v1", "dispatch.events.v1",
                  "intake.events.v1"):
        for spec, envelope, event in script.sent:
            if spec.name == topic:
                projection.apply(envelope, event)
    rows = {r["complaint_id"]: r["status"] for r in queries.complaints(
        MANAGER, view=View.ALL, filters=Filters()).rows}
    assert rows == {"c-1": "closed", "c-2": "queued", "c-3": "assigned"}


def test_views_and_filters(projection, queries):
    fed(projection, lifecycle())
    assert ids(queries.complaints(AGENT, view=View.MINE, filters=Filters())) == ["c-1"]
    assert ids(queries.complaints(AGENT, view=View.QUEUE, filters=Filters())) == ["c-2"]
    assert ids(queries.complaints(AGENT, view=View.DEPARTMENT, filters=Filters())) == ["c-2",
                                                                                       "c-1"]
    assert ids(queries.complaints(MANAGER, view=View.ALL, filters=Filters(
        sla_state=("breached", "warning")), sort=SortKey.DUE_AT,
        direction=Direction.ASC)) == ["c-2", "c-3"]
    assert ids(queries.complaints(MANAGER, view=View.ALL, filters=Filters(
        category=("billing",), channel=("web",)))) == ["c-3", "c-1"]
    assert ids(queries.complaints(MANAGER, view=View.ALL, filters=Filters(
        received_from=T0 + timedelta(minutes=5), received_to=T0 + timedelta(minutes=8)))) == [
        "c-2"]
    assert ids(queries.complaints(MANAGER, view=View.ALL, filters=Filters(
        due_before=T0 + timedelta(minutes=45)))) == ["c-2"]


def test_about_to_breach_is_soonest_deadline_first(projection, queries):
    s = Script("acme")
    for n, (department, warn, due) in enumerate([("billing", 20, 40), ("claims", 30, 50),
                                                 ("billing", 300, 400)], start=1):
        s.received(f"c-{n}", customer=f"cust-{n}", minute=0)
        s.assigned(f"c-{n}", department=department, queue="q", agent="alice", minute=1)
        s.clock(f"c-{n}", warn=warn, due=due, minute=1)
    s.warned("c-1", minute=20)  # its warning is behind it: its deadline 09:40 still counts
    fed(projection, s)
    now = T0 + timedelta(minutes=21)

    def soon(caller, minutes: int) -> list[str]:
        return ids(queries.about_to_breach(caller, now=now, minutes=minutes))

    assert soon(MANAGER, 5) == []
    assert soon(MANAGER, 10) == ["c-2"]  # warns at 09:30
    assert soon(MANAGER, 20) == ["c-1", "c-2"]  # c-1 due 09:40, c-2 due 09:50
    assert soon(AGENT, 20) == ["c-1"]


def test_search_by_reference_customer_contact_and_words(projection, queries):
    fed(projection, lifecycle())

    def search(**terms) -> list[str]:
        return ids(queries.search(MANAGER, SearchTerms(**terms)))

    assert search(reference="ORD-9") == ["c-2"]
    assert search(reference="c-3") == ["c-3"]
    assert search(customer_id="cust-1") == ["c-2", "c-1"]
    assert search(phone="13812345678") == ["c-1"]
    assert search(email="ANA@example.com") == ["c-2"]
    assert search(text="退款") == ["c-1"]
    assert search(text="重复扣款") == ["c-1"]
    assert search(text="charged twice") == ["c-3", "c-2"]  # c-2's subject says so
    assert search(text="twice again") == ["c-3"]
    assert search(text="parcel") == ["c-2"]
    assert search(text="parcel refund") == []
    assert ids(queries.search(AGENT, SearchTerms(text="again"))) == []  # c-3 is claims'


def test_customer_360(projection, queries):
    fed(projection, lifecycle())
    row = queries.visible(AGENT, "c-2")
    view = queries.customer(AGENT, row)
    assert (view["customer_id"], view["vip"], view["recurrent"], view["complaints_before"],
            view["average_csat"]) == ("cust-1", False, True, 1, 4.0)
    assert [(r["complaint_id"], r["outcome"], r["csat"]) for r in view["complaints"]] == [
        ("c-1", "explanation_apology", 4)]
    assert queries.visible(AGENT, "c-3") is None


def test_erasure_leaves_nothing_to_find_the_customer_by(projection, queries, store):
    script = lifecycle()
    script.erased("cust-1", minute=200)
    fed(projection, script)
    assert queries.search(MANAGER, SearchTerms(phone="13812345678")).rows == []
    assert queries.search(MANAGER, SearchTerms(text="退款")).rows == []
    assert store.select("SELECT DISTINCT customer_id FROM work_search_keys") == [
        {"customer_id": "cust-2"}]


def test_another_tenants_complaints_are_never_listed(projection, queries):
    fed(projection, lifecycle())
    other = Script("globex")
    other.received("g-1", customer="cust-1", minute=0)
    other.assigned("g-1", department="billing", queue="billing-l1", agent="alice", minute=1)
    fed(projection, other)
    assert ids(queries.complaints(AGENT, view=View.MINE, filters=Filters())) == ["c-1"]
    assert ids(queries.search(MANAGER, SearchTerms(customer_id="cust-1"))) == ["c-2", "c-1"]
