"""What the "rehearse" tools share: replaying a service's own history under a draft rule file
before it goes live (dispatch: routing rules; sla: a policy and calendars).

Both read the same way: `python -m services.<svc>.tools.rehearse --draft FILE [--tenant T]
[--store URL] [--json]`, read only, with a text table by default and the same report as JSON.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from dataclasses import asdict, is_dataclass
from pathlib import Path
from typing import Any, TextIO


def parser(package: str, description: str, *, draft: str, old_flag: str, store: str,
           store_flag: str | None = None, tenant: str | None = None) -> argparse.ArgumentParser:
    """The common command line: the draft file, whose history (store, tenant), --json.

    `old_flag` is the name the draft was given before the tools shared one shape (kept so
    scripts keep working); likewise `store_flag` for the store."""
    cli = argparse.ArgumentParser(prog=f"python -m {package}.tools.rehearse",
                                  description=description,
                                  formatter_class=argparse.RawDescriptionHelpFormatter)
    cli.add_argument("--draft", old_flag, dest="draft", metavar="FILE", required=True,
                     type=Path, help=draft)
    stores = ["--store", *([store_flag] if store_flag else [])]
    cli.add_argument(*stores, dest="store", default=store,
                     help="the service's event store (default: the service's own)")
    cli.add_argument("--tenant", default=tenant, help="replay only this tenant's history"
                     + (" (default: the deployment's TENANT)" if tenant else ""))
    cli.add_argument("--json", action="store_true", help="print the report as JSON")
    return cli


def write(report: Any, out: TextIO, *, as_json: bool, render: Callable[[Any, TextIO], None]
          ) -> None:
    """The report (a dataclass or plain data) as JSON, non-ASCII kept, or as the tool's text."""
    if as_json:
        data = asdict(report) if is_dataclass(report) and not isinstance(report, type) else report
        out.write(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")
    else:
        render(report, out)
