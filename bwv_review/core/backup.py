"""Rolling daily backups of case files, in the user's data folder.

The first time a case is opened for writing on a given day, a consistent copy (SQLite's
online backup, safe while another process writes) is kept in
``<data>/backups/<case name>-<path digest>/<YYYY-MM-DD>.bwvcase``; the newest KEEP are kept.
Backups live with the user, not beside the footage, so they are never swept into an
evidence bundle, and a reviewer can go back to how the case stood on an earlier day.
"""

from __future__ import annotations

import hashlib
import logging
import sqlite3
from datetime import date
from pathlib import Path

from .. import paths

KEEP = 7
log = logging.getLogger(__name__)


def backup_folder(case_path: Path) -> Path:
    digest = hashlib.sha256(str(Path(case_path).resolve()).encode("utf-8")).hexdigest()[:12]
    stem = "".join(c if c.isalnum() or c in "-_ ." else "_" for c in Path(case_path).stem)[:60]
    return paths.data_dir() / "backups" / f"{stem}-{digest}"


def daily_backup(conn: sqlite3.Connection, case_path: Path, today: date | None = None) -> Path | None:
    """Back the case up once per day; never fails the open (a failed backup is logged)."""
    folder = backup_folder(case_path)
    target = folder / f"{(today or date.today()).isoformat()}.bwvcase"
    if target.exists():
        return None
    try:
        folder.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(target.name + ".tmp")
        tmp.unlink(missing_ok=True)  # left by a crash part-way through an earlier attempt
        dest = sqlite3.connect(tmp)
        try:
            conn.backup(dest)
        finally:
            dest.close()
        tmp.replace(target)
        for old in sorted(folder.glob("*.bwvcase"))[:-KEEP]:
            old.unlink()
    except (OSError, sqlite3.Error) as exc:
        log.warning("could not back up %s: %s", case_path, exc)
        return None
    return target


def backups(case_path: Path) -> list[Path]:
    """This case's backups, oldest first."""
    return sorted(backup_folder(case_path).glob("*.bwvcase"))
