"""Checks made on a case file before anything may write to it, and how it is connected.

A file is examined read-only first: not SQLite, not a case file, damaged, or written by a
newer bwv-review -> refused with one sentence, its bytes untouched.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from . import schema
from .errors import CaseFileError

BUSY_TIMEOUT_S = 30.0
_SQLITE_MAGIC = b"SQLite format 3\x00"


def connect(path: Path, readonly: bool) -> sqlite3.Connection:
    if readonly:
        uri = path.resolve().as_uri() + "?mode=ro"
        return sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_S, check_same_thread=False)
    return sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_S, check_same_thread=False)


def precheck(path: Path) -> int:
    """Refuse a file we must not touch; return its schema version. Opens read-only."""
    if not path.exists():
        raise CaseFileError(f"Case file {path} does not exist.")
    if not path.is_file():
        raise CaseFileError(f"{path} is not a file.")
    try:
        with path.open("rb") as handle:
            magic = handle.read(len(_SQLITE_MAGIC))
    except OSError as exc:
        raise CaseFileError(f"Case file {path} cannot be read: {exc.strerror}.") from exc
    if magic != _SQLITE_MAGIC:
        raise CaseFileError(f"{path} is not a bwv-review case file (it is not an SQLite database).")
    try:
        conn = connect(path, readonly=True)
        try:
            app_id = conn.execute("PRAGMA application_id").fetchone()[0]
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if app_id != schema.APPLICATION_ID:
                raise CaseFileError(f"{path} is an SQLite database but not a bwv-review case file.")
            if version > schema.VERSION:
                raise CaseFileError(
                    f"{path} was written by a newer bwv-review (case format {version}; this "
                    f"version reads up to {schema.VERSION}). Update bwv-review to open it; "
                    "the file has not been changed."
                )
            check = conn.execute("PRAGMA quick_check").fetchone()[0]
            if check != "ok":
                raise CaseFileError(
                    f"{path} is damaged ({check}); it has not been changed. Open a backup copy."
                )
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise CaseFileError(
            f"{path} is damaged or not a case file ({exc}); it has not been changed."
        ) from exc
    return version


def why(exc: sqlite3.Error) -> str:
    text = str(exc)
    if "full" in text:
        return "the disk is full"
    if "locked" in text or "busy" in text:
        return "another program is holding the case file"
    if "readonly" in text or "read-only" in text:
        return "the case file cannot be written"
    return text
