"""Throughput and latency of the whole pipeline, beside a bare aiokafka relay in the same run.

    .venv/bin/python bench/pipeline.py --seconds 30 --rate 50          # about a minute
    .venv/bin/python bench/pipeline.py --seconds 60 --rate 200 --ramp 50,100,200,400,800
    .venv/bin/python bench/pipeline.py --running --kafka 127.0.0.1:9092  # `make run`'s platform

Without --running it starts what `make run` starts (a KRaft broker of its own, the registry's
topics, the dev issuer, then intake, dispatch, sla, resolution, analytics, work and notify as
processes) in a temporary directory, and stops all of it at the end. Complaints are POSTed to
intake at a steady open-loop rate (each at its scheduled instant, whatever the answers), then
at each rate of the ramp. It prints the accepted rate, the latency percentiles from POST
accepted to dispatch's decision (`complaint.assigned.v1`, or `complaint.queued.v1` when every
agent is busy), the same for a bare 3-hop relay (produce, consume, produce, consume, produce,
consume) at the same rate, their ratio, RSS per process, and `lost`: accepted complaints not
assigned, or not counted by analytics, once the platform has drained.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.bare_relay import bare_relay  # noqa: E402
from bench.platform_under_test import (  # noqa: E402
    Platform,
    cpu_seconds,
    rss_mib,
    running_platform,
    started_platform,
)
from contracts.envelope import wrap  # noqa: E402
from contracts.inbound import ComplaintSubmitted  # noqa: E402
from contracts.topics import DISPATCH_EVENTS, INBOUND  # noqa: E402

# Dispatch's decision: an agent assigned, or (every agent at capacity) the department's queue.
DECIDED = ("complaint.assigned.v1", "complaint.queued.v1")
TEXTS = (
    "My card was charged twice for a single purchase and the bank will not refund it.",
    "The mortgage servicer lost my payment and now reports me late to the credit bureau.",
    "A debt collector keeps calling me at work about a debt I already paid in full.",
    "The app transfer failed but the money left my account three days ago.",
    "我的信用卡被重复扣款，客服一直不处理退款。",
)


def complaint(n: int, run: str) -> dict:
    return {"channel": "web", "subject": f"Bench complaint {n}", "text": TEXTS[n % len(TEXTS)],
            "customer": {"id": f"bench-{run}-{n}", "name": "Dana Smith",
                         "contact": f"dana{n}@example.com"}}


class Assigned:
    """Reads dispatch's topic from its end: when each complaint was first assigned (or queued)."""

    def __init__(self, kafka: str) -> None:
        self.kafka = kafka
        self.at: dict[str, float] = {}

    async def run(self, ready: asyncio.Event) -> None:
        consumer = AIOKafkaConsumer(bootstrap_servers=self.kafka, auto_offset_reset="latest")
        await consumer.start()
        try:
            cluster = await consumer._client.fetch_all_metadata()
            partitions = cluster.partitions_for_topic(DISPATCH_EVENTS.name) or set()
            assigned = [TopicPartition(DISPATCH_EVENTS.name, p) for p in partitions]
            consumer.assign(assigned)
            await consumer.seek_to_end(*assigned)
            for tp in assigned:
                await consumer.position(tp)
            ready.set()
            while True:
                batches = await consumer.getmany(timeout_ms=100)
                now = time.monotonic()
                for records in batches.values():
                    for record in records:
                        value = json.loads(record.value)
                        if value.get("type") in DECIDED:
                            self.at.setdefault(value["subject"], now)
        finally:
            await consumer.stop()


async def drive(platform: Platform, rate: float, seconds: float, run: str,
                accepted: dict[str, float], first: int = 0) -> int:
    """POST rate complaints a second for seconds; returns how many were refused or failed."""
    failures = 0
    limits = httpx.Limits(max_connections=256, max_keepalive_connections=256)
    async with httpx.AsyncClient(base_url=platform.urls["intake"], limits=limits,
                                 headers=platform.adapter, timeout=60) as client:

        async def one(n: int) -> None:
            nonlocal failures
            try:
                response = await client.post("/v1/complaints", json=complaint(n, run))
            except httpx.HTTPError:
                failures += 1
                return
            if response.status_code == 202:
                accepted[response.json()["complaint_id"]] = time.monotonic()
            else:
                failures += 1

        start, tasks = time.monotonic(), []
        for i in range(int(rate * seconds)):
            delay = start + i / rate - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(first + i)))
        await asyncio.gather(*tasks)
    return failures


def percentiles(samples: list[float]) -> dict[str, float]:
    if not samples:
        return {"p50": float("nan"), "p99": float("nan"), "max": float("nan")}
    ordered = sorted(samples)
    at = lambda q: ordered[min(len(ordered) - 1, int(q * len(ordered)))]  # noqa: E731
    return {"p50": at(0.50) * 1000, "p99": at(0.99) * 1000, "max": ordered[-1] * 1000}


async def analytics_count(platform: Platform) -> int:
    async with httpx.AsyncClient(headers=platform.analyst, timeout=30) as client:
        response = await client.get(f"{platform.urls['analytics']}/v1/analytics/complaints/count")
        response.raise_for_status()
        return response.json()["received"]


def report_phase(name: str, rate: float, seconds: float, accepted: dict[str, float],
                 assigned: dict[str, float], failures: int, elapsed: float) -> dict:
    latencies = [assigned[c] - t for c, t in accepted.items() if c in assigned]
    figures = {"phase": name, "offered_per_s": rate, "accepted": len(accepted),
               "refused_or_failed": failures, "accepted_per_s": round(len(accepted) / elapsed, 1),
               **{k: round(v, 1) for k, v in percentiles(latencies).items()}}
    print(json.dumps(figures), flush=True)
    return figures


async def bench(platform: Platform, args: argparse.Namespace) -> None:
    run = uuid.uuid4().hex[:8]
    assigned = Assigned(platform.kafka)
    ready = asyncio.Event()
    reader = asyncio.create_task(assigned.run(ready))
    await asyncio.wait_for(ready.wait(), 60)
    counted_before = await analytics_count(platform)
    everything: dict[str, float] = {}
    phases = [("steady", args.rate, args.seconds)]
    phases += [(f"ramp@{r:g}", r, args.ramp_seconds) for r in args.ramp]
    rss: dict[str, float] = {}
    n, reported = 0, []
    for name, rate, seconds in phases:
        accepted: dict[str, float] = {}
        counted, cpu = await analytics_count(platform), cpu_by_process(platform)
        began = time.monotonic()
        failures = await drive(platform, rate, seconds, run, accepted, first=n)
        elapsed = time.monotonic() - began
        n += int(rate * seconds)
        rss = {p: round(rss_mib(pid), 1) for p, pid in platform.pids.items()} or rss
        await drained(assigned, accepted, args.drain_s)
        reported.append(report_phase(name, rate, seconds, accepted, assigned.at, failures,
                                     elapsed))
        await counted_by_analytics(platform, counted + len(accepted), args.drain_s)
        print(json.dumps({"phase": name, **cpu_used(platform, cpu, len(accepted))}), flush=True)
        everything.update(accepted)
    inbound = await from_inbound(platform, assigned, args.inbound, run, args.drain_s)
    baseline = await bare_relay(platform.kafka, args.rate, min(args.seconds, 20))
    base = {k: round(v, 1) for k, v in percentiles(baseline).items()}
    print(json.dumps({"bare_3hop_relay_at": args.rate, **base}), flush=True)
    deadline = time.monotonic() + args.drain_s
    expected = len(everything) + args.inbound
    while (count := await analytics_count(platform) - counted_before) < expected and \
            time.monotonic() < deadline:
        await asyncio.sleep(1)
    reader.cancel()
    unassigned = [c for c in everything if c not in assigned.at]
    unassigned += [None] * (args.inbound - inbound)
    print(json.dumps({
        "steady_p99_ratio_to_bare": round(reported[0]["p99"] / base["p99"], 1),
        "rss_mib": rss, "rss_total_mib": round(sum(rss.values()), 1),
        "accepted": expected, "unassigned": len(unassigned),
        "counted_by_analytics": count, "lost": len(unassigned) + max(0, expected - count),
    }), flush=True)


async def from_inbound(platform: Platform, assigned: Assigned, count: int, run: str,
                       drain_s: float) -> int:
    """Put count submissions on the channels' topic at once, as an adapter would; print how
    fast the platform took them to dispatch's decision. Returns how many were decided."""
    if not count:
        return 0
    seen = set(assigned.at)
    counted, cpu = await analytics_count(platform), cpu_by_process(platform)
    producer = AIOKafkaProducer(bootstrap_servers=platform.kafka, acks="all",
                                enable_idempotence=True, linger_ms=5)
    await producer.start()
    start = time.monotonic()
    try:
        for n in range(count):
            key = f"bench-{run}-inbound-{n}"
            event = ComplaintSubmitted(
                submission_id=key, channel="app", customer_id=key, subject="Payment failed",
                text=TEXTS[n % len(TEXTS)], external_reference=key, idempotency_key=key)
            envelope = wrap(event, source="/adapters/app", subject=key, sequence=1,
                            tenant="default", correlation_id=uuid.uuid4())
            await producer.send(INBOUND.name, envelope.model_dump_json().encode(),
                                key=key.encode())
        await producer.flush()
    finally:
        await producer.stop()
    produced = time.monotonic() - start
    deadline = time.monotonic() + drain_s
    while len(set(assigned.at) - seen) < count and time.monotonic() < deadline:
        await asyncio.sleep(0.2)
    new = [assigned.at[c] for c in set(assigned.at) - seen]
    elapsed = (max(new) - start) if new else float("nan")
    print(json.dumps({"phase": "inbound", "produced": count, "produced_in_s": round(produced, 1),
                      "decided": len(new), "all_decided_in_s": round(elapsed, 1),
                      "decided_per_s": round(len(new) / elapsed, 1) if new else 0}), flush=True)
    await counted_by_analytics(platform, counted + count, deadline - time.monotonic())
    print(json.dumps({"phase": "inbound", **cpu_used(platform, cpu, count)}), flush=True)
    return len(new)


async def counted_by_analytics(platform: Platform, total: int, wait_s: float) -> None:
    """Until analytics has counted `total` complaints (or wait_s has passed)."""
    deadline = time.monotonic() + wait_s
    while await analytics_count(platform) < total and time.monotonic() < deadline:
        await asyncio.sleep(0.5)


def cpu_by_process(platform: Platform) -> dict[str, float]:
    return {p: cpu_seconds(pid) for p, pid in platform.pids.items()}


def cpu_used(platform: Platform, before: dict[str, float], complaints: int) -> dict:
    """CPU milliseconds each process spent per complaint since `before`, and their total."""
    used = {p: (t - before[p]) * 1000 / max(complaints, 1)
            for p, t in cpu_by_process(platform).items()}
    return {"cpu_ms_per_complaint": {p: round(ms, 2) for p, ms in used.items()},
            "total": round(sum(used.values()), 1)}


async def drained(assigned: Assigned, accepted: dict[str, float], drain_s: float) -> None:
    deadline = time.monotonic() + drain_s
    while any(c not in assigned.at for c in accepted) and time.monotonic() < deadline:
        await asyncio.sleep(0.2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30, help="of the steady phase")
    parser.add_argument("--rate", type=float, default=50, help="complaints/s, steady phase")
    parser.add_argument("--ramp", type=lambda s: [float(r) for r in s.split(",") if r],
                        default=[], help="rates of the ramp, e.g. 50,100,200")
    parser.add_argument("--ramp-seconds", type=float, default=15)
    parser.add_argument("--drain-s", type=float, default=120)
    parser.add_argument("--inbound", type=int, default=0,
                        help="then put this many submissions on complaints.inbound.v1 at once")
    parser.add_argument("--running", action="store_true", help="use `make run`'s platform")
    parser.add_argument("--kafka", default="127.0.0.1:9092")
    parser.add_argument("--keep", type=Path, help="run the platform in this folder, kept")
    parser.add_argument("--auth-dir", type=Path, default=ROOT / ".local" / "auth")
    args = parser.parse_args()
    if args.running:
        asyncio.run(bench(running_platform(args.kafka, args.auth_dir), args))
        return
    with (contextlib.nullcontext(str(args.keep)) if args.keep else
          tempfile.TemporaryDirectory(prefix="bench-pipeline-")) as workdir, \
            started_platform(Path(workdir)) as platform:
        print(json.dumps({"started": platform.pids, "workdir": workdir}), flush=True)
        asyncio.run(bench(platform, args))


if __name__ == "__main__":
    main()
