"""Start the reviewer's window (placeholder until the workspace lands)."""

from __future__ import annotations


def run_gui(argv: list[str]) -> int:
    import sys

    print("bwv-review: the reviewer's window is not built yet; use the command line (bwv-review -h).", file=sys.stderr)
    return 2
