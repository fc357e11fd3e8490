"""Import a CFPB Consumer Complaint Database CSV through intake, every row, idempotently.

    python -m services.intake.tools.importer PATH [--url http://127.0.0.1:8001 | --kafka BOOTSTRAP]
                                            [--history] [--tenant TENANT] [--token TOKEN]
                                            [--attempts 6] [--max-wait 120]

Over HTTP the rows go in batches to POST /v1/complaints:batch with a channel adapter's bearer
token (--token or INTAKE_TOKEN; else, with AUTH_MODE=dev, one minted by the local dev issuer
for --tenant); over Kafka they are published
on complaints.inbound.v1, where intake validates them the same way (refusals are dead letters).
A row is filed once by its Complaint ID however often it is imported. With --history each row
is filed with its original dates and its recorded lifecycle, marked historical: no SLA clock.

A batch that intake turns away for now (429, 502, 503, 504, no connection) is sent again after
a growing, jittered wait, or the wait its Retry-After asks for, up to --attempts times; a batch
that still fails stops the import, saying how far it got. Importing again files nothing twice.
Exit 0 every row filed, 1 some rows refused, 2 bad arguments, 3 the import stopped.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import os
import sys
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError
from pydantic import ValidationError

from contracts.envelope import NAMESPACE, wrap
from contracts.inbound import ComplaintSubmitted
from contracts.topics import INBOUND
from runtime import cli, tracing
from runtime.kafka_access import KafkaSettings, client_options, connection
from services.intake.channels import Unreadable, cfpb
from services.intake.domain import MAX_TEXT_LENGTH, Submission
from services.intake.tools.importer_retries import Backoff, Unavailable

SOURCE = "/adapters/cfpb-importer"
BATCH_ITEMS = 200
BATCH_BYTES = 1_500_000  # under intake's default body limit (4 MiB)
# csv's own default (131,072 characters) would stop the whole import at one long narrative;
# above intake's MAX_TEXT_LENGTH, the row is refused alone, like any invalid one.
CSV_FIELD_CHARACTERS = 4 * MAX_TEXT_LENGTH
KAFKA_WINDOW = 1000  # sends in flight before waiting for the broker's acks


class ImportStopped(cli.CommandFailed):
    """A batch intake did not take, even after the retries: the rest of the rows is not sent."""


@dataclass
class Tally:
    """What happened to the rows: filed now, filed before, sent (Kafka), refused by reason."""

    filed: int = 0
    repeated: int = 0
    sent: int = 0
    refused: Counter[str] = field(default_factory=Counter)

    def summary(self) -> str:
        parts = [f"{self.filed} filed", f"{self.repeated} already filed"]
        if self.sent:
            parts = [f"{self.sent} sent to {INBOUND.name}"]
        refused = sum(self.refused.values())
        reasons = ", ".join(f"{reason}: {n}" for reason, n in self.refused.most_common())
        parts.append(f"{refused} refused" + (f" ({reasons})" if reasons else ""))
        return ", ".join(parts)


class Progress:
    """A one-line progress bar on stderr."""

    def __init__(self, total: int, label: str, stream=None, width: int = 30) -> None:
        self.total, self.label, self.width = max(total, 1), label, width
        self.stream = stream if stream is not None else sys.stderr
        self.done, self.started, self.drawn = 0, time.monotonic(), 0.0

    def advance(self, n: int = 1) -> None:
        self.done += n
        if time.monotonic() - self.drawn > 0.1 or self.done >= self.total:
            self.draw()

    def draw(self) -> None:
        self.drawn = time.monotonic()
        share = min(self.done / self.total, 1.0)
        rate = self.done / max(self.drawn - self.started, 1e-9)
        bar = "#" * int(share * self.width)
        self.stream.write(
            f"\r{self.label} [{bar:<{self.width}}] {self.done}/{self.total} "
            f"{share:4.0%} {rate:6.0f} rows/s"
        )
        self.stream.flush()

    def close(self) -> None:
        self.draw()
        self.stream.write("\n")


def rows(path: Path) -> Iterator[dict[str, str]]:
    """The CSV's rows; narratives hold newlines inside quotes, so a real CSV reader."""
    csv.field_size_limit(max(csv.field_size_limit(), CSV_FIELD_CHARACTERS))
    with path.open(encoding="utf-8", newline="") as file:
        yield from csv.DictReader(file)


def count_rows(path: Path) -> int:
    return sum(1 for _ in rows(path))


def submissions(
    path: Path, *, historical: bool, tally: Tally, progress: Progress | None
) -> Iterator[tuple[str, Submission]]:
    """(CFPB complaint id, submission) per row; a row that cannot be mapped is refused here."""
    for row in rows(path):
        try:
            submission = cfpb.normalise(row, historical=historical)
        except ValidationError as error:
            tally.refused.update({e["type"] for e in error.errors()})
        except Unreadable:
            tally.refused["unreadable_row"] += 1
        else:
            yield row["Complaint ID"], submission
            continue
        if progress:
            progress.advance()


def batch_item(complaint_id: str, submission: Submission) -> dict:
    return {"idempotency_key": f"cfpb:{complaint_id}", "submission": submission.model_dump(
        mode="json", exclude_defaults=True,
    )}


def import_over_http(
    path: Path, client: httpx.Client, *, historical: bool, progress: Progress | None = None,
    batch_items: int = BATCH_ITEMS, batch_bytes: int = BATCH_BYTES,
    backoff: Backoff | None = None,
) -> Tally:
    """File every row through POST /v1/complaints:batch; ImportStopped if a batch fails."""
    backoff = backoff or Backoff()
    tally = Tally()
    batch: list[dict] = []
    size = 0
    for complaint_id, submission in submissions(
        path, historical=historical, tally=tally, progress=progress
    ):
        item = batch_item(complaint_id, submission)
        item_size = len(json.dumps(item))
        if batch and (len(batch) == batch_items or size + item_size > batch_bytes):
            _post(client, batch, tally, progress, backoff)
            batch, size = [], 0
        batch.append(item)
        size += item_size
    if batch:
        _post(client, batch, tally, progress, backoff)
    return tally


def _post(client: httpx.Client, batch: list[dict], tally: Tally, progress: Progress | None,
          backoff: Backoff) -> None:
    try:  # every item has its key, so resending a batch is harmless
        answer = backoff.send(lambda: client.post("/v1/complaints:batch", json={"items": batch}))
        answer.raise_for_status()
    except (Unavailable, httpx.HTTPError) as error:
        tries = f" after {backoff.attempts} attempts" if not isinstance(
            error, httpx.HTTPStatusError) else ""
        raise ImportStopped(
            f"intake did not take a batch of {len(batch)} rows{tries}"
            f" ({cli.one_line(error)}); before it: {tally.summary()}."
            " Importing again files nothing twice."
        ) from error
    for result in answer.json()["results"]:
        if result["status"] == 202:
            created = result["accepted"]["created"]
            tally.filed += created
            tally.repeated += not created
        else:
            tally.refused.update({e["type"] for e in result["errors"]})
    if progress:
        progress.advance(len(batch))


def inbound(complaint_id: str, submission: Submission, tenant: str):
    """The submission as a CFPB adapter publishes it on complaints.inbound.v1."""
    customer = submission.customer
    submitted = ComplaintSubmitted(
        submission_id=f"cfpb-{complaint_id}", idempotency_key=f"cfpb:{complaint_id}",
        customer_id=customer.id, customer_name=customer.name,
        customer_contact=customer.contact, customer_tier=customer.tier, region=customer.region,
        **submission.model_dump(exclude={"customer"}),
    )
    # The same row always has the same envelope id: a re-import is a redelivery to intake.
    return wrap(
        submitted, source=SOURCE, subject=submitted.submission_id, sequence=1, tenant=tenant,
        correlation_id=uuid.uuid5(NAMESPACE, f"cfpb/{complaint_id}"),
        aggregate_id=f"{tenant}/{complaint_id}",
    )


async def import_over_kafka(
    path: Path, kafka: KafkaSettings | str, *, tenant: str, historical: bool,
    progress: Progress | None = None,
) -> Tally:
    """Publish every row on complaints.inbound.v1 and wait until the broker has them all."""
    tally = Tally()
    producer = AIOKafkaProducer(
        **client_options(connection(kafka)), acks="all", enable_idempotence=True, linger_ms=20,
        client_id="cfpb-importer", max_request_size=INBOUND.max_message_bytes,
    )
    await producer.start()
    try:
        pending = []
        for complaint_id, submission in submissions(
        path, historical=historical, tally=tally, progress=progress
    ):
            envelope = inbound(complaint_id, submission, tenant)
            pending.append(await producer.send(
                INBOUND.name, key=envelope.subject.encode(),
                value=envelope.model_dump_json().encode(), headers=tracing.kafka_headers(envelope),
            ))
            if len(pending) >= KAFKA_WINDOW:
                await _acknowledged(pending, tally, progress)
        await _acknowledged(pending, tally, progress)
    finally:
        await producer.stop()
    return tally


async def _acknowledged(pending: list, tally: Tally, progress: Progress | None) -> None:
    await asyncio.gather(*pending)
    tally.sent += len(pending)
    if progress:
        progress.advance(len(pending))
    pending.clear()


def dev_token(tenant: str) -> str:
    """A channel adapter's token from the local dev issuer (AUTH_MODE=dev only)."""
    from runtime.auth.issuer import DevIssuer
    from runtime.auth.roles import Role
    from runtime.settings import Settings

    settings = Settings()
    if settings.auth_mode != "dev":
        raise SystemExit("give --token (or INTAKE_TOKEN): AUTH_MODE is not dev")
    return DevIssuer(settings.auth_dir).client_credentials(
        client_id="cfpb-importer", role=Role.CHANNEL_ADAPTER, tenant=tenant)


def main(argv: list[str] | None = None) -> int:
    """Command line entry point; exit 1 if any row was refused."""
    parser = argparse.ArgumentParser(prog="python -m services.intake.tools.importer",
                                     description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("path", type=Path, help="a CFPB complaints CSV")
    target = parser.add_mutually_exclusive_group()
    target.add_argument("--url", default="http://127.0.0.1:8001", help="intake's HTTP API")
    target.add_argument("--kafka", metavar="BOOTSTRAP",
                        help="publish on the inbound topic (credentials: KAFKA_SECURITY_"
                             "PROTOCOL, KAFKA_SASL_*)")
    parser.add_argument("--history", action="store_true",
                        help="file each row with its original dates and lifecycle, as history")
    parser.add_argument("--tenant", default=os.environ.get("TENANT", "default"),
                        help="tenant of the submissions (over HTTP, of the minted token)")
    parser.add_argument("--token", default=os.environ.get("INTAKE_TOKEN"),
                        help="a channel adapter's bearer token for HTTP (default INTAKE_TOKEN)")
    parser.add_argument("--attempts", type=int, default=Backoff.attempts,
                        help="HTTP: times a batch is sent at most (default %(default)s)")
    parser.add_argument("--max-wait", type=float, default=Backoff.max_wait_s, metavar="SECONDS",
                        help="HTTP: longest wait before sending again (default %(default)s)")
    args = parser.parse_args(argv)
    if args.attempts < 1:
        parser.error("--attempts must be at least 1")
    progress = Progress(count_rows(args.path), label=args.path.name)
    if args.kafka:
        tally = asyncio.run(import_over_kafka(
            args.path, args.kafka, tenant=args.tenant, historical=args.history,
            progress=progress,
        ))
    else:
        token = args.token or dev_token(args.tenant)
        backoff = Backoff(attempts=args.attempts, max_wait_s=args.max_wait)
        with httpx.Client(base_url=args.url, timeout=120,
                          headers={"Authorization": f"Bearer {token}"}) as client:
            try:
                tally = import_over_http(args.path, client, historical=args.history,
                                         progress=progress, backoff=backoff)
            except ImportStopped as stopped:
                progress.close()
                print(f"{parser.prog}: error: {stopped}", file=sys.stderr)
                return 3
    progress.close()
    print(tally.summary())
    return 1 if tally.refused else 0


if __name__ == "__main__":
    cli.run(main, OSError, KafkaError)
