"""The ``bwv-review`` command line: a thin front end over bwv_review.core (no Qt).

Each module here registers its subcommands. Exit codes: 0 success, 1 verification found
problems, 2 bad input or a file that cannot be used (one sentence on stderr, never a
traceback).
"""

from __future__ import annotations

import argparse
import logging
import sys

from .. import __version__
from ..core.errors import Cancelled, ReviewError
from . import (
    case_cmds,
    clock_cmds,
    export_cmds,
    footage_cmds,
    link_cmds,
    redact_cmds,
    transcript_cmds,
    trust_cmds,
    undo_cmds,
)
from .common import warn

log = logging.getLogger(__name__)

# Modules that add subcommands; each has register(subparsers).
MODULES = [case_cmds, trust_cmds, footage_cmds, export_cmds, clock_cmds, transcript_cmds, link_cmds, redact_cmds,
           undo_cmds]

EXIT_OK, EXIT_PROBLEMS, EXIT_BAD_INPUT = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse's own exit code is 2 as well
        self.print_usage(sys.stderr)
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="bwv-review",
        description="Evidence review for police body-worn video. Run a command with -h for its options.",
    )
    parser.add_argument("--version", action="version", version=f"bwv-review {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    gui = sub.add_parser("gui", help="open the reviewer's window (the default with no command)")
    gui.add_argument("case", nargs="?", help="a case file to open")
    gui.add_argument("--sample", action="store_true", help="build and open the sample case")
    for module in MODULES:
        module.register(sub)
    return parser


def commands() -> set[str]:
    parser = build_parser()
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return set(action.choices)
    return set()


def run(argv: list[str]) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return EXIT_BAD_INPUT
    try:
        return int(args.func(args) or 0)
    except ReviewError as exc:
        warn(f"bwv-review: {exc}")
        return EXIT_BAD_INPUT
    except Cancelled as exc:
        warn(f"bwv-review: {exc}")
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("bwv-review: interrupted; nothing half-written was kept.", file=sys.stderr)
        return 130
    except OSError as exc:
        name = f" {exc.filename}" if exc.filename else ""
        warn(f"bwv-review: cannot use{name}: {exc.strerror or exc}.")
        return EXIT_BAD_INPUT
    except Exception as exc:  # noqa: BLE001 - a bug: one line for the user, details in the log
        log.exception("unexpected error in %s", args.command)
        warn(f"bwv-review: unexpected error ({type(exc).__name__}: {exc}); details are in the log.")
        return EXIT_BAD_INPUT
