"""Load synthetic complaint lifecycles into analytics (chDB) and time ingestion and every report.

    .venv/bin/python -m bench.analytics_load --events 10000000 [--batch 20000] [--dir PATH]

Each complaint publishes 4-11 events (received, classified, assigned, SLA clock, first
response, resolution, closure, feedback; some reopened, transferred or breached, some still
open); complaints arrive in time order over one year, for 3 tenants, 40 categories,
25 products, 50 regions, 300,000 customers, 8 departments and 200 agents. The
events go through AnalyticsApplication.project in batches, exactly as the consumer hands them
over (Kafka itself is not part of this benchmark), and the reports' snapshot is refreshed
between batches on the service's schedule; envelope parsing is timed separately on a sample,
since the consumer pays it too. Then each report is requested through the HTTP API.
Results are printed as a Markdown table for bench/README.md.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from fastapi import FastAPI
from fastapi.testclient import TestClient

from contracts import dispatch, intake, resolution, sla
from contracts.envelope import DomainEvent, Envelope, schema_uri
from contracts.registry import parse
from runtime.auth.issuer import DEV_AUDIENCE, DevIssuer
from runtime.auth.keys import JwksKeys
from runtime.auth.tokens import TokenVerifier
from runtime.auth.wiring import AccessControl, install
from runtime.settings import DEV_ISSUER
from services.analytics import api
from services.analytics.application import AnalyticsApplication
from services.analytics.domain import Consumed
from services.analytics.reports import Reports
from services.analytics.schema import COMPLAINTS
from services.analytics.snapshot import Refreshed
from services.analytics.store import ChdbStore

START = datetime(2025, 1, 1, tzinfo=UTC)
TENANTS = ("acme", "globex", "initech")
CATEGORIES = [f"category-{i:02d}" for i in range(40)]
PRODUCTS = [f"product-{i:02d}" for i in range(25)]
REGIONS = [f"R{i:02d}" for i in range(50)]
CHANNELS = ("web", "phone", "email", "app", "wechat", "store")
DEPARTMENTS = [f"dept-{i}" for i in range(8)]
AGENTS = [f"agent-{i:03d}" for i in range(200)]
SOURCES = {"intake": "/services/intake", "dispatch": "/services/dispatch",
           "sla": "/services/sla", "resolution": "/services/resolution"}

QUERIES = [
    ("count", "complaints/count", {}),
    ("volume by day", "volume", {"interval": "day"}),
    ("volume by month x category", "volume", {"interval": "month", "by": "category"}),
    ("volume by week x channel, one region", "volume",
     {"interval": "week", "by": "channel", "region": "R07"}),
    ("volume by tenant x product", "volume", {"by": ["tenant", "product"]}),
    ("backlog by department", "backlog", {"by": "department"}),
    ("response times by category", "response-times", {"by": "category"}),
    ("sla by severity x department", "sla", {"by": ["severity", "department"]}),
    ("satisfaction by product", "satisfaction", {"by": "product"}),
    ("recurrence (30 days)", "recurrence", {}),
    ("recurrence by category, one quarter", "recurrence",
     {"by": "category", "from": "2025-04-01T00:00:00Z", "to": "2025-07-01T00:00:00Z"}),
    ("rates by channel", "rates", {"by": "channel"}),
    ("pareto of categories", "pareto", {"of": "category"}),
    ("pareto of root causes", "pareto", {"of": "root_cause"}),
    ("performance by agent", "performance", {"of": "agent"}),
    ("weekday vs weekend", "weekday-weekend", {}),
    ("volume as CSV by region", "volume", {"by": "region", "format": "csv"}),
]


class Lifecycles:
    """Synthetic events, complaint after complaint, each as its producer would publish it."""

    def __init__(self, seed: int = 8, every_s: float = 30.0) -> None:
        self.random = random.Random(seed)
        self.every_s = every_s
        self.n = 0

    def events(self) -> Iterator[Consumed]:
        while True:
            yield from self.complaint()

    def complaint(self) -> list[Consumed]:
        r, self.n = self.random, self.n + 1
        tenant = TENANTS[self.n % len(TENANTS)]
        cid = str(uuid.UUID(int=r.getrandbits(128)))
        # Complaints arrive in time order, as a live stream (or a replay of one) brings them.
        t0 = START + timedelta(seconds=self.n * self.every_s + r.uniform(0, self.every_s))
        seq = dict.fromkeys(SOURCES, 0)
        out: list[Consumed] = []

        def emit(service: str, event: DomainEvent, hours: float) -> None:
            seq[service] += 1
            when = t0 + timedelta(hours=hours)
            out.append(Consumed(Envelope.model_construct(
                specversion="1.0", id=uuid.UUID(int=r.getrandbits(128)), source=SOURCES[service],
                type=event.event_type, subject=cid, time=when,
                datacontenttype="application/json", dataschema=schema_uri(event.event_type),
                correlationid=uuid.UUID(int=r.getrandbits(128)), causationid=None,
                sequence=seq[service], tenant=tenant, data={},
            ), event))

        def c(cls, **fields) -> DomainEvent:
            return cls.model_construct(complaint_id=cid, **fields)

        category = r.choice(CATEGORIES)
        sev = intake.Severity(r.choice(("P1", "P2", "P2", "P3", "P3")))
        emit("intake", c(intake.ComplaintReceived, channel=intake.Channel(r.choice(CHANNELS)),
                         customer_id=f"cust-{r.randrange(300_000)}", region=r.choice(REGIONS),
                         subject="pii:v1:k:x", text="pii:v1:k:x", received_at=t0,
                         product=r.choice(PRODUCTS), company="Acme Corp",
                         customer_tier=intake.CustomerTier.STANDARD, historical=False), 0)
        emit("intake", c(intake.ComplaintClassified, category=category, severity=sev,
                         confidence=0.9), 0.001)
        emit("dispatch", c(dispatch.ComplaintAssigned, queue=f"q-{category}",
                           agent_id=r.choice(AGENTS), department=r.choice(DEPARTMENTS),
                           rule_id="r", rule_set_version="1",
                           strategy=dispatch.AssignmentStrategy.SKILL_BASED,
                           reason="bench"), 0.01)
        clock = f"clk-{cid}"
        emit("sla", c(sla.SlaClockStarted, clock_id=clock, target=sla.SlaTarget.FIRST_RESPONSE,
                      severity=sev, policy_id="p", policy_version="1", calendar_id="c",
                      calendar_version="1", started_at=t0, deadline_at=t0 + timedelta(hours=8),
                      warn_at=t0 + timedelta(hours=6)), 0.02)
        if r.random() < 0.08:  # still waiting for a first response
            return out
        respond = r.expovariate(1 / 4)
        if respond > 8:
            emit("sla", c(sla.SlaBreached, clock_id=clock, deadline_at=t0 + timedelta(hours=8),
                          breached_at=t0 + timedelta(hours=8)), 8)
        emit("resolution", c(resolution.FirstResponseSent, responder="a",
                             sent_at=t0 + timedelta(hours=respond)), respond)
        emit("sla", c(sla.SlaClockStopped, clock_id=clock, reason="responded",
                      stopped_at=t0 + timedelta(hours=respond), met=respond <= 8), respond)
        if r.random() < 0.1:
            emit("dispatch", c(dispatch.ComplaintTransferred, from_queue="q", to_queue="q2",
                               from_department="d", to_department=r.choice(DEPARTMENTS),
                               to_agent_id=r.choice(AGENTS), reason="skills",
                               transfer_count=1, actor="system"), respond + 0.5)
        if r.random() < 0.1:  # still being worked on
            return out
        resolve = respond + r.expovariate(1 / 48)
        emit("resolution", c(resolution.ResolutionExecuted, proposal_id="p",
                             executed_by="a"), resolve)
        emit("resolution", c(resolution.ComplaintClosed, closed_by="a",
                             root_cause_category=f"cause-{r.randrange(15)}",
                             why_chain=("w",)), resolve + 1)
        emit("resolution", c(resolution.FeedbackReceived, csat=r.randint(1, 5),
                             nps=r.randint(0, 10)), resolve + 2)
        if r.random() < 0.05:
            emit("resolution", c(resolution.ComplaintReopened, reason="again",
                                 reopened_by="customer"), resolve + 24)
        return out


def ingest(app: AnalyticsApplication, total: int, batch: int, refresh_s: float) -> Loaded:
    """Project `total` events in batches, refreshing the reports' snapshot between batches on
    the service's schedule (every `refresh_s`, or twice as long as the last refresh took)."""
    # About 8.6 events per complaint: spread the complaints over one year.
    source = Lifecycles(every_s=365 * 86400 / (total / 8.6))
    generator, loaded, done = source.events(), Loaded(), 0
    started = next_refresh = time.monotonic()
    while done < total:
        events = [next(generator) for _ in range(min(batch, total - done))]
        began = time.perf_counter()
        app.project(events)
        loaded.project_s += time.perf_counter() - began
        done += len(events)
        if time.monotonic() >= next_refresh:
            refreshed = app.snapshot.refresh()
            loaded.refreshes.append(refreshed)
            next_refresh = time.monotonic() + max(refresh_s, 2 * refreshed.seconds)
        if done % (batch * 25) == 0 or done == total:
            wall = time.monotonic() - started
            print(f"  {done:>11,} events  {done / loaded.project_s:>9,.0f}/s in project  "
                  f"{loaded.refresh_s:6.0f} s refreshing  {wall:7.0f} s wall", flush=True)
    loaded.complaints = source.n
    return loaded


@dataclass
class Loaded:
    """Time spent projecting and refreshing while loading."""

    project_s: float = 0.0
    complaints: int = 0
    refreshes: list[Refreshed] = field(default_factory=list)

    @property
    def refresh_s(self) -> float:
        return sum(r.seconds for r in self.refreshes)

    def refresh_summary(self) -> str:
        seconds = sorted(r.seconds for r in self.refreshes)
        folded = [r.complaints for r in self.refreshes]
        return (f"{len(seconds)} refreshes, {self.refresh_s:,.0f} s in all; per refresh "
                f"median {statistics.median(seconds):.2f} s, max {seconds[-1]:.2f} s, "
                f"median {statistics.median(folded):,.0f} complaints re-folded")


# Which complaints get new feedback in the steady-state refresh measurement.
CHANGED_LATELY = {
    "the most recently received": "received_at DESC",
    "chosen at random": "cityHash64(complaint_id)",
}


def steady_refreshes(app: AnalyticsApplication, count: int = 100) -> list[tuple[str, Refreshed]]:
    """The refresh after `count` complaints got feedback, once the state tables are merged
    (as background merges leave them in a long-running service), for recent and random ones."""
    for table in ("complaint_state", "clock_state"):
        app.store.command(f"OPTIMIZE TABLE {table} FINAL")
    app.snapshot.refresh()
    results, now = [], datetime.now(UTC)
    for label, order in CHANGED_LATELY.items():
        chosen = app.store.select(
            f"SELECT tenant, complaint_id FROM {COMPLAINTS} ORDER BY {order} LIMIT {count}"
        )
        app.project([feedback(tenant, complaint_id, now) for tenant, complaint_id in chosen])
        results.append((label, app.snapshot.refresh()))
    return results


def feedback(tenant: str, complaint_id: str, when: datetime) -> Consumed:
    """A customer's feedback on a complaint, as resolution publishes it."""
    event = resolution.FeedbackReceived.model_construct(complaint_id=complaint_id, csat=5, nps=9)
    return Consumed(Envelope.model_construct(
        specversion="1.0", id=uuid.uuid4(), source=SOURCES["resolution"], type=event.event_type,
        subject=complaint_id, time=when, datacontenttype="application/json",
        dataschema=schema_uri(event.event_type), correlationid=uuid.uuid4(), causationid=None,
        sequence=1_000_000, tenant=tenant, data={},
    ), event)


def parse_rate(sample: int = 20_000) -> float:
    """Envelopes parsed and validated per second, as the consumer does with each message."""
    raw = [
        Envelope.model_validate({**c.envelope.model_dump(mode="json"),
                                 "data": c.event.model_dump(mode="json")}).model_dump_json()
        for c, _ in zip(Lifecycles(seed=1).events(), range(sample), strict=False)
    ]
    began = time.perf_counter()
    for value in raw:
        parse(value)
    return sample / (time.perf_counter() - began)


def analyst(app: AnalyticsApplication, tenant: str) -> TestClient:
    """The API behind access control, called with an analyst's token of one tenant."""
    issuer = DevIssuer(Path(tempfile.mkdtemp(prefix="analytics-bench-auth-")))
    service = FastAPI()
    install(service, AccessControl(
        verifier=TokenVerifier(keys=JwksKeys(str(issuer.jwks_path)), issuer=DEV_ISSUER,
                               audience=DEV_AUDIENCE),
        max_body_bytes=1_048_576, bucket=None,
    ))
    service.include_router(api.build_router(app, Reports(app.store)))
    token = issuer.mint(sub="bench", tenant=tenant, roles=["analyst"])
    return TestClient(service, headers={"Authorization": f"Bearer {token}"})


def latencies(
    app: AnalyticsApplication, runs: int, tenant: str
) -> list[tuple[str, float, float, int]]:
    """(query, median ms, max ms, rows) of each report through the HTTP API."""
    http = analyst(app, tenant)
    results = []
    for name, path, params in QUERIES:
        times, answer = [], None
        for _ in range(runs):
            began = time.perf_counter()
            answer = http.get(f"/v1/analytics/{path}", params=params)
            times.append((time.perf_counter() - began) * 1000)
            assert answer.status_code == 200, answer.text
        body = answer.json() if "csv" not in params.get("format", "") else None
        rows = len(body["rows"]) if body and "rows" in body else (
            len(answer.text.splitlines()) - 1 if body is None else 1)
        results.append((name, statistics.median(times), max(times), rows))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--batch", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--refresh-s", type=float, default=2.0,
                        help="the service's snapshot refresh interval (SNAPSHOT_REFRESH_S)")
    parser.add_argument("--dir", type=Path, default=None, help="chDB directory (default: temp)")
    parser.add_argument("--steady", action="store_true",
                        help="merge the state tables, then time refreshes after a few changes")
    parser.add_argument("--queries-only", action="store_true",
                        help="time the reports over what --dir already holds")
    args = parser.parse_args()
    path = args.dir or Path(tempfile.mkdtemp(prefix="analytics-bench-")) / "chdb"
    store = ChdbStore(path)
    store.open()
    app = AnalyticsApplication(store)
    if not args.queries_only:
        print(f"parse: {parse_rate():,.0f} envelopes/s (one core)")
        print(f"loading {args.events:,} events in batches of {args.batch:,} into {path}")
        loaded = ingest(app, args.events, args.batch, args.refresh_s)
        print(f"\ningested {args.events:,} events ({loaded.complaints:,} complaints) in "
              f"{loaded.project_s:,.0f} s of project(): "
              f"{args.events / loaded.project_s:,.0f} events/s; with the snapshot refreshes "
              f"{args.events / (loaded.project_s + loaded.refresh_s):,.0f} events/s")
        if loaded.refreshes:
            print(loaded.refresh_summary())
    caught_up = app.snapshot.refresh()
    print(f"last refresh: {caught_up.complaints:,} complaints re-folded in "
          f"{caught_up.seconds:.2f} s ({'all' if caught_up.everything else 'changed only'})")
    if args.steady:
        for label, refreshed in steady_refreshes(app):
            print(f"steady state: feedback on 100 complaints {label}: refresh of "
                  f"{refreshed.complaints} complaints took {refreshed.seconds * 1000:,.0f} ms")
    for tenant, in store.select(f"SELECT DISTINCT tenant FROM {COMPLAINTS} ORDER BY tenant")[:1]:
        complaints = store.select(f"SELECT count() FROM {COMPLAINTS}"
                                  " WHERE tenant = {t:String}", {"t": tenant})[0][0]
        print(f"\nreports of tenant {tenant} ({complaints:,} complaints), as its analyst:")
        print("\n| query | median ms | max ms | rows |\n|---|---:|---:|---:|")
        for name, median, worst, rows in latencies(app, args.runs, tenant):
            print(f"| {name} | {median:,.0f} | {worst:,.0f} | {rows:,} |", flush=True)
    store.close()


if __name__ == "__main__":
    main()
