"""The requirements of the project's core and some of its extras, self-references resolved.

    python -m deploy.requirements services > requirements.txt

The Dockerfile installs these before copying the sources, so the dependency layer is rebuilt
only when pyproject.toml or constraints.txt change; tests/unit/deploy checks with the same
function what each service may import. Standard library only: it runs before anything is
installed.
"""

from __future__ import annotations

import argparse
import re
import sys
import tomllib
from pathlib import Path

PYPROJECT = Path(__file__).resolve().parents[1] / "pyproject.toml"
SELF = re.compile(r"^complaint-platform\[([^\]]+)\]$")


def requirements(extras: list[str], pyproject: Path = PYPROJECT) -> list[str]:
    """The core dependencies and those of `extras` (and the extras they name), in order."""
    project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
    optional = project["optional-dependencies"]
    found: list[str] = list(project["dependencies"])
    pending, seen = list(extras), set()
    while pending:
        extra = pending.pop(0)
        if extra in seen:
            continue
        if extra not in optional:
            raise SystemExit(f"pyproject.toml has no extra {extra!r}")
        seen.add(extra)
        for requirement in optional[extra]:
            named = SELF.match(requirement)
            if named:
                pending.extend(name.strip() for name in named.group(1).split(","))
            elif requirement not in found:
                found.append(requirement)
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m deploy.requirements",
        description="Print the core requirements and those of the given extras, one a line.")
    parser.add_argument("extras", nargs="*", help="extras of pyproject.toml, e.g. services or"
                        " intake,analytics")
    args = parser.parse_args(argv)
    extras = [name for arg in args.extras for name in arg.split(",") if name]
    print(*requirements(extras), sep="\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
