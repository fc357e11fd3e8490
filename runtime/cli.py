"""What every command line does the same way: arguments first, one-line errors, exit codes.

Each command parses its arguments before it opens, connects to or changes anything, so
`--help` and a typo cost nothing. A failure the command expects (a missing file, a broker or
API that does not answer) ends with one line on stderr and exit 1, not a traceback; a command
that destroys data refuses, with exit 2, until it is given --yes.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import NoReturn


class CommandFailed(Exception):
    """An expected failure of a command, told in one line."""


def run(main: Callable[[], int], *expected: type[BaseException]) -> NoReturn:
    """Exit with main()'s code; CommandFailed or an expected error is one line and exit 1."""
    try:
        code = main()
    except (CommandFailed, *expected) as error:
        print(f"{_prog()}: error: {one_line(error)}", file=sys.stderr)
        code = 1
    except KeyboardInterrupt:
        code = 130
    sys.exit(code)


def one_line(error: BaseException) -> str:
    """The error's message on one line, named by its type when it has none."""
    text = " ".join(str(error).split())
    return text or type(error).__name__


def add_yes(parser: argparse.ArgumentParser, destroys: str) -> None:
    """The --yes a destructive command needs; `destroys` says what it destroys."""
    parser.add_argument("--yes", action="store_true", help=f"confirm: this {destroys}")


def require_yes(parser: argparse.ArgumentParser, args: argparse.Namespace, destroys: str) -> None:
    """Exit 2, saying what would be destroyed, unless --yes was given."""
    if not args.yes:
        parser.error(f"this {destroys}; give --yes to go ahead")


def confirmed(prog: str, description: str, destroys: str,
              argv: list[str] | None = None) -> argparse.Namespace:
    """The command line of a command that only destroys and rebuilds: --help, and nothing is
    done without --yes (exit 2, saying what would be destroyed)."""
    parser = argparse.ArgumentParser(prog=prog, description=description,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    add_yes(parser, destroys)
    args = parser.parse_args(argv)
    require_yes(parser, args, destroys)
    return args


def service_arguments(prog: str, description: str, argv: list[str] | None = None) -> None:
    """A service's command line: no arguments (settings come from the environment) but --help."""
    argparse.ArgumentParser(
        prog=prog, description=description,
        epilog="Settings are environment variables (see the service's README and config.py).",
    ).parse_args(argv)


def _prog() -> str:
    main = sys.modules.get("__main__")
    spec = getattr(main, "__spec__", None)
    return f"python -m {spec.name.removesuffix('.__main__')}" if spec else sys.argv[0]
