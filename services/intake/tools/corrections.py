"""Export agents' category corrections as labels for retraining (services.intake.tools.train).

    python -m services.intake.tools.corrections --out corrections.csv
"""

from __future__ import annotations

import argparse
from pathlib import Path

from runtime import cli
from runtime.eventstore import persistence_env
from runtime.vault import KeyVault
from services.intake.application import IntakeApplication
from services.intake.config import IntakeSettings
from services.intake.corrections import corrections, write_csv


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m services.intake.tools.corrections",
                                     description="Export agents' category corrections")
    parser.add_argument("--out", type=Path, required=True, help="the CSV to write")
    args = parser.parse_args(argv)
    url = IntakeSettings().event_store_url
    app = IntakeApplication(env=persistence_env(url), vault=KeyVault.from_url(url))
    try:
        examples = corrections(app)
    finally:
        app.close()
    write_csv(examples, args.out)
    print(f"{len(examples)} corrections -> {args.out}")
    return 0


if __name__ == "__main__":
    cli.run(main, OSError)
