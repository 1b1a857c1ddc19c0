"""Helpers shared by the subcommands: who is acting, inert output, progress on stderr,
opening a case.

Inert output: a case file, a footage file's metadata or a file name may hold terminal
control sequences (clear the screen, set the title, rewrite a line) or line breaks that
would forge a line of output. Every line that shows stored or file-derived text goes
through ``emit``/``warn``, which show such characters escaped (``\\x1b``, ``\\n``,
``\\u202e``) and never send them to the terminal.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
import unicodedata
from pathlib import Path
from typing import TYPE_CHECKING

from .. import paths
from ..core import cases
from ..core.errors import ReviewError

if TYPE_CHECKING:  # the case store (sqlite-utils) loads only for commands that open a case
    from ..core.store import CaseStore

REVIEWER_ENV = "BWV_REVIEWER"
EXIT_BAD_INPUT = 2


class SentenceParser(argparse.ArgumentParser):
    """Bad arguments get one sentence on stderr naming the command, what is wrong and where
    the options are listed, and exit 2 (the house rule for bad input), not argparse's usage
    lines first; ``--help`` is argparse's own."""

    def error(self, message: str):
        if message.startswith("argument COMMAND: invalid choice: "):  # the list of every command is --help's
            wrong = message.removeprefix("argument COMMAND: invalid choice: ").split(" (choose from", 1)[0]
            message = f"{wrong} is not a command"
        warn(f"{self.prog}: {message} (see {self.prog} --help).")
        self.exit(EXIT_BAD_INPUT)

# Anything outside printable ASCII is looked at one character at a time (cheap: rare).
_SUSPECT = re.compile(r"[^\x20-\x7e]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
# Joiners shape text in Arabic, Indic scripts and emoji; they cannot move or hide anything.
_HARMLESS_FORMAT = {"\u200c", "\u200d"}


def _escape(match: re.Match) -> str:
    ch = match.group()
    cat = unicodedata.category(ch)
    if cat in ("Cc", "Cs", "Co", "Cn", "Zl", "Zp") or (cat == "Cf" and ch not in _HARMLESS_FORMAT):
        if ch in _NAMED:
            return _NAMED[ch]
        code = ord(ch)
        return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"
    return ch


def inert(text: object) -> str:
    """``text`` safe to print on one terminal line: control, format (e.g. bidi override),
    line-separator and unpaired-surrogate characters shown as escapes."""
    return _SUSPECT.sub(_escape, str(text))


def emit(line: object = "") -> None:
    """Print one line of output on stdout, inert (see module docstring)."""
    print(inert(line))


def warn(line: object) -> None:
    """Print one line on stderr, inert."""
    print(inert(line), file=sys.stderr)


def _json_escape(match: re.Match) -> str:
    ch = match.group()
    if ch in "\n\r\t":  # json.dumps leaves these raw only between values, never inside a string
        return ch
    escaped = _escape(match)
    if escaped == ch:
        return ch
    code = ord(ch)
    if code < 0x10000:
        return f"\\u{code:04x}"
    code -= 0x10000
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"


def emit_json(data: object) -> None:
    """Print JSON whose strings hold every character exactly, with the ones a terminal would
    act on (C1 controls, bidi overrides, unpaired surrogates) written as \\u escapes."""
    try:
        text = json.dumps(data, ensure_ascii=False, indent=2)
    except TypeError as exc:  # e.g. words stored as bytes by another program: verify names the record
        raise ReviewError("The case holds a value bwv-review never writes (it was changed outside the app), so it "
                          "cannot be written as JSON; run `bwv-review verify` to see which record.") from exc
    sys.stdout.write(_SUSPECT.sub(_json_escape, text))
    sys.stdout.write("\n")


def reviewer(explicit: str | None = None, store: CaseStore | None = None) -> str:
    """The name recorded against a change: --reviewer, $BWV_REVIEWER, the name set in the
    window's settings, or the case's only reviewer. Never the OS login: refused instead."""
    for name in (explicit, os.environ.get(REVIEWER_ENV), paths.settings_reviewer()):
        if name and name.strip():
            return name.strip()
    if store is not None:
        named = [r for r in store.case().reviewers if r.strip()]
        if len(named) == 1:
            return named[0].strip()
    raise ReviewError(
        "No reviewer name is known, so the change cannot be attributed: give --reviewer NAME (or set "
        f"{REVIEWER_ENV}, or your name in the window's settings); nothing was changed."
    )


def open_case(path: str, readonly: bool = False, who: str | None = None) -> CaseStore:
    """Open a case: a case file, or a server case's address (postgresql://...). For writing,
    the acting reviewer (``reviewer``) is worked out first, so an upgrade of an older case
    format is attributed and signed as them; it is ``store.actor``."""
    if readonly:
        return cases.open_case(path, readonly=True)
    try:
        actor = reviewer(who)
    except ReviewError:
        with cases.open_case(path, readonly=True) as peek:
            actor = reviewer(who, peek)
    return cases.open_case(path, actor=actor)


class StderrProgress:
    """A one-line progress bar on stderr when it is a terminal; silent otherwise."""

    def __init__(self, label: str):
        self.label = inert(label)
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
