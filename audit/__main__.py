"""Command line for auditors; store URLs come from the environment, as the services read them.

    python -m audit history <complaint_id>              one published envelope per line
    python -m audit state <complaint_id> [--at ISO]     the state as of an instant (default now)
    python -m audit export <complaint_id> --out PATH    a bundle directory, or PATH.zip
    python -m audit serve [--port 8009]                 the read-only HTTP API

notify's delivery records (channel, recipient, when, outcome; no message) and work's tags join
the history when their stores exist; when one does not, a note on stderr (and the API's
`missing_services`) says whose records are missing, and the rest answers as usual.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from pathlib import Path

from audit import bundle
from audit.bootstrap import bootstrap
from audit.config import AuditSettings
from audit.history import AuditTrail, UnknownComplaint
from audit.stores import StoreMissing, close_stores, open_stores
from runtime.serve import serve


def instant(text: str) -> datetime:
    """An ISO 8601 instant with its zone, e.g. 2026-01-01T00:00:00Z."""
    parsed = datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        raise argparse.ArgumentTypeError(f"{text!r} has no time zone; add Z or +08:00")
    return parsed


def parser() -> argparse.ArgumentParser:
    cli = argparse.ArgumentParser(prog="python -m audit", description=__doc__,
                                  formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = cli.add_subparsers(dest="command", required=True)
    commands.add_parser("history", help="a complaint's events").add_argument("complaint_id")
    state = commands.add_parser("state", help="a complaint's state as of an instant")
    state.add_argument("complaint_id")
    state.add_argument("--at", type=instant, default=None, help="ISO 8601 with zone")
    export = commands.add_parser("export", help="a bundle the auditor verifies alone")
    export.add_argument("complaint_id")
    export.add_argument("--out", type=Path, required=True, help="a new directory or a .zip")
    serve = commands.add_parser("serve", help="the read-only HTTP API")
    serve.add_argument("--port", type=int, default=None, help="default HTTP_PORT or 8009")
    return cli


def run(args: argparse.Namespace, trail: AuditTrail) -> None:
    for service in trail.missing:
        print(f"note: no {service} event store here: its records are not included",
              file=sys.stderr)
    if args.command == "history":
        for envelope in trail.history(args.complaint_id):
            print(envelope.model_dump_json())
    elif args.command == "state":
        at = args.at or datetime.now(UTC)
        print(json.dumps(trail.state_as_of(args.complaint_id, at), indent=2))
    else:
        print(bundle.export(trail, args.complaint_id, args.out))


def main(argv: list[str] | None = None) -> int:
    """Exit 0 done, 1 unknown complaint or missing store, 2 bad arguments."""
    args = parser().parse_args(argv)
    settings = AuditSettings()
    if args.command == "serve":
        if args.port is not None:
            settings = settings.model_copy(update={"http_port": args.port})
        serve(bootstrap(settings), settings)
        return 0
    try:
        stores = open_stores(settings)
    except StoreMissing as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    try:
        run(args, AuditTrail(stores))
    except UnknownComplaint:
        print(f"error: no service stored an event about {args.complaint_id}", file=sys.stderr)
        return 1
    except (FileExistsError, bundle.Unsealed) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    finally:
        close_stores(stores)
    return 0


if __name__ == "__main__":
    sys.exit(main())
