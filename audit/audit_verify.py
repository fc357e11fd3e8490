"""Verify a complaint's audit bundle without the complaint platform: Python 3 standard library.

    python3 audit_verify.py [BUNDLE_DIR]        (default: the directory this file is in)

Prints OK and exits 0, or prints `FAIL <file>:<line>: position <n> (<service>): <reason>`
for the first failure and exits 1. What it checks:

1. Each service's chain (`<service>/chain.jsonl`): positions increase, every entry links to
   the one before it (digest.json gives the entry before the first), and the last entry is
   the head that digest.json records. Compare that head with one the platform gave you
   independently (`python -m runtime.sealing digest`): equal heads mean equal chains.
2. Each event of the complaint (`events.jsonl`) hashes, from its raw stored form, to the
   event hash its service's chain sealed at its position.
3. Every line is the line the export wrote (digest.json lists their SHA-256): this also covers
   what the chain cannot, e.g. the readable envelope next to each raw event.

The hash arithmetic is the platform's own, shipped unchanged as hashchain.py.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import hashlib
import json
import sys
from pathlib import Path

from hashchain import GENESIS, event_hash, link

EVENT_KEYS = {"service", "position", "originator_id", "originator_version", "topic", "state",
              "envelope"}
CHAIN_KEYS = {"position", "event_hash", "entry_hash"}


class Failure(Exception):
    """The first place where the bundle does not verify."""


def lines(bundle: Path, name: str, listed: list[str]):
    """(line number, parsed JSON, check of the line against digest.json) for each line."""
    path = bundle / name
    if not path.is_file():
        raise Failure(f"{name}: missing")
    raw = path.read_bytes().split(b"\n")
    if raw[-1] != b"":
        raise Failure(f"{name}:{len(raw)}: the last line is cut off")
    raw = raw[:-1]
    for number, line in enumerate(raw, start=1):
        try:
            parsed = json.loads(line)
        except ValueError:
            raise Failure(f"{name}:{number}: not a JSON line") from None

        def as_listed(where: str, line: bytes = line, number: int = number) -> None:
            digest = hashlib.sha256(line).hexdigest()
            if number > len(listed) or digest != listed[number - 1]:
                raise Failure(f"{name}:{number}: {where}: the line differs from the export")

        yield number, parsed, as_listed
    if len(raw) != len(listed):
        raise Failure(f"{name}: {len(raw)} lines, digest.json lists {len(listed)}")


def check_chain(bundle: Path, service: str, chain: dict, head: dict, listed: list[str]) -> dict:
    """Every link of one service's chain, up to its head; returns {position: event_hash}."""
    name, previous = chain["file"], chain["previous_entry_hash"]
    sealed: dict[int, str] = {}
    last_position = None
    for number, entry, as_listed in lines(bundle, name, listed):
        if not isinstance(entry, dict) or set(entry) != CHAIN_KEYS:
            raise Failure(f"{name}:{number}: expected the keys {sorted(CHAIN_KEYS)}")
        position = entry["position"]
        where = f"position {position} ({service})"
        if not (isinstance(position, int) and is_hash(entry["event_hash"])
                and is_hash(entry["entry_hash"])):
            raise Failure(f"{name}:{number}: {where}: malformed entry")
        if last_position is None and position != chain["first_position"]:
            raise Failure(f"{name}:{number}: {where}: the chain should start at position "
                          f"{chain['first_position']}")
        if last_position is not None and position <= last_position:
            raise Failure(f"{name}:{number}: {where}: positions must increase")
        if link(previous, entry["event_hash"]) != entry["entry_hash"]:
            raise Failure(f"{name}:{number}: {where}: does not link to the entry before it")
        as_listed(where)
        sealed[position] = entry["event_hash"]
        previous, last_position = entry["entry_hash"], position
    if [last_position, previous] != [head["position"], head["entry_hash"]]:
        raise Failure(f"{name}: the chain ends at position {last_position}, "
                      f"not at the head {head['position']} that digest.json records")
    return sealed


def check_events(bundle: Path, chains: dict, listed: list[str]) -> None:
    """Every event of the complaint hashes to what its chain sealed at its position."""
    for number, event, as_listed in lines(bundle, "events.jsonl", listed):
        if not isinstance(event, dict) or set(event) != EVENT_KEYS:
            raise Failure(f"events.jsonl:{number}: expected the keys {sorted(EVENT_KEYS)}")
        service, position = event["service"], event["position"]
        where = f"position {position} ({service})"
        sealed = chains.get(service, {}).get(position)
        if sealed is None:
            raise Failure(f"events.jsonl:{number}: {where}: no chain entry seals it")
        try:
            state = base64.b64decode(event["state"], validate=True)
        except (binascii.Error, TypeError, ValueError):
            raise Failure(f"events.jsonl:{number}: {where}: state is not base64") from None
        this = event_hash(position, event["originator_id"], event["originator_version"],
                          event["topic"], state)
        if this != sealed:
            raise Failure(f"events.jsonl:{number}: {where}: not the event its chain sealed")
        as_listed(where)


def is_hash(value: object) -> bool:
    return isinstance(value, str) and len(value) == len(GENESIS)


def load_digest(bundle: Path) -> dict:
    """digest.json, with every part this verifier reads present."""
    try:
        digest = json.loads((bundle / "digest.json").read_text())
        for service, chain in digest["chains"].items():
            _ = (chain["file"], chain["first_position"], chain["previous_entry_hash"],
                 digest["heads"][service]["position"], digest["heads"][service]["entry_hash"],
                 digest["lines"][chain["file"]])
        _ = digest["lines"]["events.jsonl"]
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as error:
        raise Failure(f"digest.json: unreadable or incomplete ({error!r})") from None
    return digest


def verify(bundle: Path) -> None:
    """Raise Failure at the first thing that does not verify."""
    digest = load_digest(bundle)
    chains = {
        service: check_chain(bundle, service, chain, digest["heads"][service],
                             digest["lines"][chain["file"]])
        for service, chain in digest["chains"].items()
    }
    check_events(bundle, chains, digest["lines"]["events.jsonl"])


def main(argv: list[str] | None = None) -> int:
    """Exit 0 verified, 1 a failure (or no bundle there), 2 bad arguments."""
    parser = argparse.ArgumentParser(prog="python3 audit_verify.py", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("bundle", type=Path, nargs="?", default=Path(__file__).resolve().parent,
                        help="the bundle directory (default: the one this file is in)")
    bundle = parser.parse_args(argv).bundle
    try:
        verify(bundle)
    except Failure as failure:
        print(f"FAIL {failure}")
        return 1
    print("OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
