"""Run the retention job once against intake's store (the service runs it on a timer).

    python -m services.intake.tools.retention --dry-run   # who would be shredded; changes nothing
    python -m services.intake.tools.retention --yes       # shreds them
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime

from runtime import cli
from runtime.eventstore import persistence_env
from runtime.vault import KeyVault
from runtime.yaml_nodes import ConfigFileError
from services.intake.application import IntakeApplication
from services.intake.config import IntakeSettings
from services.intake.index_key import contact_index_key
from services.intake.retention import shred_expired
from services.intake.retention_policy import load_policy


def main(argv: list[str] | None = None) -> int:
    """Run the retention job once against intake's store, as configured by the environment."""
    parser = argparse.ArgumentParser(
        prog="python -m services.intake.tools.retention",
        description="Erase (crypto-shred) every customer whose complaints have all been closed "
        "for longer than their tenant's retention period (RETENTION_POLICY).",
        epilog="Settings are environment variables (see services/intake/config.py).",
    )
    parser.add_argument("--dry-run", action="store_true",
                        help="list who would be erased and change nothing")
    destroys = "destroys the keys of every customer listed by --dry-run"
    cli.add_yes(parser, destroys)
    args = parser.parse_args(argv)
    if not args.dry_run:
        cli.require_yes(parser, args, destroys)
    settings = IntakeSettings()
    policy = load_policy(settings.retention_policy)
    url = settings.event_store_url
    # The service's index key: erasing a person reaches every id their contact points link.
    app = IntakeApplication(env=persistence_env(url), vault=KeyVault.from_url(url),
                            contact_index_key=contact_index_key(settings, create=False))
    try:
        due = shred_expired(app, policy, datetime.now(UTC), dry_run=args.dry_run)
    finally:
        app.close()
    verb = "would be erased" if args.dry_run else "erased"
    for customer in due:
        print(f"{customer.tenant} {customer.customer_id} {verb}: last closed "
              f"{customer.last_closed_at.isoformat()}, due {customer.due_at.isoformat()} "
              f"({customer.rule}, policy {customer.policy_version})")
    print(f"{len(due)} customer(s) {verb}")
    return 0


if __name__ == "__main__":
    cli.run(main, ConfigFileError, OSError)
