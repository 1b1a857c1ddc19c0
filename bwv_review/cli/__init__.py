"""The ``bwv-review`` command line: a thin front end over bwv_review.core (no Qt).

Each module here registers its subcommands. Exit codes: 0 success, 1 verification found
problems, 2 bad input or a file that cannot be used (one sentence on stderr, never a
traceback).
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys

from .. import __version__
from ..core.errors import Cancelled, ReviewError
from .common import SentenceParser, warn

log = logging.getLogger(__name__)

# Which module registers each subcommand (each has register(subparsers)). Only the module
# of the command being run is imported, so `list` or `--version` never loads the decoder,
# numpy, spreadsheet or PDF libraries (a test holds every command to this).
COMMANDS = {
    "new": "case_cmds", "add": "case_cmds", "annotate": "case_cmds", "list": "case_cmds",
    "verify": "trust_cmds", "upgrade": "trust_cmds", "identity": "trust_cmds", "media-root": "trust_cmds",
    "info": "footage_cmds", "still": "footage_cmds", "export": "export_cmds", "import": "export_cmds",
    "exhibit": "clock_cmds", "align": "clock_cmds", "transcribe": "transcript_cmds",
    "transcript": "transcript_cmds", "suggest": "transcript_cmds", "link": "link_cmds", "unlink": "link_cmds",
    "redact": "redact_cmds", "redactions": "redact_cmds", "undo": "undo_cmds",
    "push": "server_cmds", "pull": "server_cmds", "present": "server_cmds",
}
MODULES = ["case_cmds", "trust_cmds", "footage_cmds", "export_cmds", "clock_cmds", "transcript_cmds", "link_cmds",
           "redact_cmds", "undo_cmds", "server_cmds"]

EXIT_OK, EXIT_PROBLEMS, EXIT_BAD_INPUT = 0, 1, 2


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser; with ``command``, only that command's module is loaded (all otherwise)."""
    parser = SentenceParser(
        prog="bwv-review",
        description="Evidence review for police body-worn video. Run a command with -h for its options.",
    )
    parser.add_argument("--version", action="version", version=f"bwv-review {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=SentenceParser)
    gui = sub.add_parser("gui", help="open the reviewer's window (the default with no command)")
    gui.add_argument("case", nargs="?", help="a case file to open")
    gui.add_argument("--sample", action="store_true", help="build and open the sample case")
    if command in COMMANDS:
        names = [COMMANDS[command]]
    else:  # --help or a mistyped command lists them all; --version needs none
        names = [] if command == "--version" else MODULES
    for name in names:
        importlib.import_module(f"{__name__}.{name}").register(sub)
    parser.command_parsers = sub.choices  # each command's own parser, by name
    return parser


def commands() -> set[str]:
    return {"gui", *COMMANDS}


def _load_sqlite_utils_without_numpy() -> None:
    """sqlite-utils imports numpy if it can (250 ms) only to store numpy values, which no
    case holds: load it with numpy hidden, so commands that never touch footage stay fast.
    numpy itself stays importable for the commands that need it."""
    if "sqlite_utils" in sys.modules or "numpy" in sys.modules:
        return
    sys.modules["numpy"] = None  # import numpy -> ImportError, which sqlite-utils expects
    try:
        importlib.import_module("sqlite_utils")
    finally:
        if sys.modules.get("numpy", 0) is None:
            del sys.modules["numpy"]


def run(argv: list[str]) -> int:
    command = "--version" if argv[:1] == ["--version"] else next((a for a in argv if not a.startswith("-")), None)
    if command != "--version" and COMMANDS.get(command) != "footage_cmds":
        _load_sqlite_utils_without_numpy()
    parser = build_parser(command)
    args, extra = parser.parse_known_args(argv)
    if extra:  # said by the command's own parser, so the sentence names the command
        (parser.command_parsers.get(args.command) or parser).error(f"unrecognized arguments: {' '.join(extra)}")
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
