"""Helpers shared by the subcommands: who is acting, progress on stderr, opening a case."""

from __future__ import annotations

import getpass
import os
import sys
import time
from pathlib import Path

from ..core.errors import ReviewError
from ..core.store import CaseStore


def reviewer(explicit: str | None = None) -> str:
    """The name recorded against a change: --reviewer, $BWV_REVIEWER, or the OS login."""
    if explicit and explicit.strip():
        return explicit.strip()
    env = os.environ.get("BWV_REVIEWER", "").strip()
    if env:
        return env
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no login name (e.g. a container): still record something
        return "unknown"


def open_case(path: str, readonly: bool = False) -> CaseStore:
    return CaseStore.open(Path(path), readonly=readonly)


class StderrProgress:
    """A one-line progress bar on stderr when it is a terminal; silent otherwise."""

    def __init__(self, label: str):
        self.label = label
        self.enabled = sys.stderr.isatty()
        self._last = 0.0

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self._last < 0.1 and done < total:
            return
        self._last = now
        pct = 100.0 * done / total if total else 100.0
        bar = "#" * int(pct / 4)
        sys.stderr.write(f"\r{self.label} [{bar:<25}] {pct:5.1f}%")
        if done >= total:
            sys.stderr.write("\n")
        sys.stderr.flush()


def read_text_arg(text: str | None, text_file: str | None) -> str:
    if text is not None and text_file is not None:
        raise ReviewError("Give the words with --text or --text-file, not both.")
    if text_file is None:
        return text or ""
    if text_file == "-":
        data = sys.stdin.buffer.read()
        source = "standard input"
    else:
        try:
            data = Path(text_file).read_bytes()
        except OSError as exc:
            raise ReviewError(f"Cannot read the text file {text_file}: {exc.strerror}.") from exc
        source = text_file
    try:
        words = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ReviewError(f"The text in {source} is not UTF-8; save it as UTF-8 and try again.") from exc
    # Editors and `echo` end a file with one line break that is not part of the quote.
    for ending in ("\r\n", "\n"):
        if words.endswith(ending):
            return words[: -len(ending)]
    return words
