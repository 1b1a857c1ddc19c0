"""What this computer itself signed: a rollback or re-signing of a case is caught here too.

A case file alone cannot show that it was replaced by an earlier, equally signed state of
itself, or rewritten and signed again with someone else's key listed in it. So each time
this computer signs entries in a case, it remembers the newest (entry number, hash) in the
user's data folder, per case file: ``<data>/witness/<case id>-<path digest>.json``, the
case id being the hash of the case's first audit entry, the path digest naming where the
file is (so a copy of a case worked on elsewhere is not taken for a rollback; a case moved
to another folder starts afresh). ``verify`` then reports a case file that no longer holds
an entry this computer signed in it. Written when the case is closed, and only for what
was committed: a crash loses at most the last session's note, never gives a false alarm.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import TYPE_CHECKING

from .. import paths
from .audit import Problem
from .timecode import now_iso

if TYPE_CHECKING:
    from sqlite_utils import Database

_ID = re.compile(r"[0-9a-f]{64}")


def case_id(db: Database) -> str | None:
    row = db.conn.execute("SELECT hash FROM audit WHERE seq = 1").fetchone()
    return row[0] if row and isinstance(row[0], str) and _ID.fullmatch(row[0]) else None


def _file(cid: str, case_path: Path | str) -> Path:
    # A server case is named by its address (host, port, database), a file by where it is.
    place = case_path if isinstance(case_path, str) else str(Path(case_path).resolve())
    where = hashlib.sha256(place.encode("utf-8", "surrogatepass")).hexdigest()[:16]
    return paths.data_dir() / "witness" / f"{cid[:32]}-{where}.json"


def recall(cid: str, case_path: Path) -> dict | None:
    try:
        data = json.loads(_file(cid, case_path).read_text("utf-8"))
    except (OSError, ValueError):
        return None
    if isinstance(data, dict) and isinstance(data.get("seq"), int) and isinstance(data.get("hash"), str):
        return data
    return None


def remember(cid: str, seq: int, head_hash: str, case_path: Path, fingerprint: str) -> None:
    """Keep the newest entry this computer signed in this case (never an older one)."""
    known = recall(cid, case_path)
    if known is not None and known["seq"] >= seq:
        return
    target = _file(cid, case_path)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(target.name + ".tmp")
        tmp.write_text(json.dumps({"seq": seq, "hash": head_hash, "case": str(case_path), "key": fingerprint,
                                   "at": now_iso()}), "utf-8")
        tmp.replace(target)
    except OSError:
        pass  # a note that could not be kept only makes a later check less strict


def check(db: Database, case_path: Path) -> list[Problem]:
    cid = case_id(db)
    known = recall(cid, case_path) if cid else None
    if known is None:
        return []
    seq, want = known["seq"], known["hash"]
    row = db.conn.execute("SELECT hash FROM audit WHERE seq = ?", [seq]).fetchone()
    if row is None:
        rows = db.conn.execute("SELECT max(seq) FROM audit").fetchone()[0] or 0
        return [Problem("rollback", (
            f"This computer signed audit entry {seq} of this case on {known.get('at', '?')}, but the case now "
            f"ends at entry {rows}: it was rolled back to an earlier state (a backup or older copy put in its "
            "place) or replaced."))]
    if row[0] != want:
        return [Problem("rollback", (
            f"This computer signed audit entry {seq} of this case on {known.get('at', '?')}, and the case's "
            "entry is not that one any more: the case was rewritten (and signed again) or replaced."))]
    return []
