"""Entry point for ``bwv-review`` and ``python main.py``.

``bwv-review COMMAND ...`` runs the command line (no Qt is imported). ``bwv-review gui
[CASE]``, ``bwv-review [CASE]`` and ``python main.py [CASE]`` open the reviewer's window.
"""

from __future__ import annotations

import logging
import logging.handlers
import sys


def setup_logging() -> None:
    from . import paths

    try:
        handler: logging.Handler = logging.handlers.RotatingFileHandler(
            paths.log_dir() / "bwv-review.log", maxBytes=2_000_000, backupCount=5, encoding="utf-8"
        )
    except OSError:
        handler = logging.NullHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.INFO)


def _not_a_case(word: str) -> bool:
    """Whether ``bwv-review WORD`` cannot mean "open the case WORD": a mistyped command
    (``bwv-review lsit``) should not start the window on a case that is not there."""
    from pathlib import Path

    if word.startswith("-") or "://" in word or word.lower().endswith(".bwvcase"):
        return False
    try:
        return not Path(word).exists()
    except (OSError, ValueError):
        return True


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    setup_logging()
    from . import cli

    if argv and (argv[0] in cli.commands() or argv[0] in ("-h", "--help", "--version")):
        if argv[0] != "gui":
            return cli.run(argv)
        argv = argv[1:]
    elif argv and _not_a_case(argv[0]):
        from .cli.common import warn

        warn(f"bwv-review: '{argv[0]}' is neither a command nor a case (bwv-review --help lists the commands).")
        return cli.EXIT_BAD_INPUT
    from .ui.launch import run_gui

    return run_gui(argv)
