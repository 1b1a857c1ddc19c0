"""Redactions and redacted copies in the case file: every change one audited transaction.

The same rules as marks (``CaseStore.add_annotation`` and friends): one ``BEGIN
IMMEDIATE`` transaction writes the row and its audit record (before and after), so a
redaction and its record land together or not at all, ``verify`` can replay them from
the log, and an undo is itself an audited change (a delete re-inserted under its old id).

No numpy, PyAV or OpenCV here: ``list``, ``verify`` and ``redactions`` stay light.
"""

from __future__ import annotations

import json
from dataclasses import fields
from pathlib import Path, PurePosixPath

from .. import audit, conflicts, footage_paths, numbering
from ..errors import ReviewError
from ..integrity import sha256_file
from ..store import CaseStore, _insert, _select, _update
from ..timecode import now_iso
from . import model
from .model import Redaction

COLUMNS = ("id", "exhibit_id", "kind", "start_ms", "end_ms", "shape", "style", "keyframes", "audio",
           "reason", "status", "source", "reviewer", "created", "updated")


def to_row(r: Redaction) -> dict:
    row = {
        "exhibit_id": r.exhibit_id, "kind": r.kind, "start_ms": int(r.start_ms), "end_ms": int(r.end_ms),
        "shape": r.shape if r.kind == "picture" else None,
        "style": r.style if r.kind == "picture" else None,
        "keyframes": r.keyframes_json() if r.kind == "picture" else None,
        "audio": r.audio if r.kind == "sound" else None,
        "reason": r.reason, "status": r.status, "source": r.source or None,
        "reviewer": r.reviewer, "created": r.created, "updated": r.updated,
    }
    if r.id is not None:
        row["id"] = r.id
    return row


def from_row(row: dict) -> Redaction:
    names = {f.name for f in fields(Redaction)}
    data = {k: v for k, v in row.items() if k in names and k != "keyframes" and v is not None}
    data["keyframes"] = Redaction.keyframes_from_json(row.get("keyframes"))
    data["source"] = row.get("source") or ""
    return Redaction(**data)


def redactions(store: CaseStore, exhibit_id: int | None = None) -> list[Redaction]:
    sql = f"SELECT {', '.join(COLUMNS)} FROM redaction"
    args: list = []
    if exhibit_id is not None:
        sql += " WHERE exhibit_id = ?"
        args.append(exhibit_id)
    sql += " ORDER BY exhibit_id, start_ms, id"
    cur = store.db.conn.execute(sql, args)
    return [from_row(dict(zip(COLUMNS, row, strict=True))) for row in cur]


def redaction(store: CaseStore, redaction_id: int) -> Redaction:
    row = _select(store.db.conn, "redaction", int(redaction_id))
    if row is None:
        raise ReviewError(f"No redaction {redaction_id} in this case.")
    return from_row(row)


def _still(store: CaseStore, expected: Redaction) -> Redaction:
    """The redaction as stored, or ConflictError if it was deleted since ``expected`` was read."""
    row = _select(store.db.conn, "redaction", int(expected.id))
    if row is None:
        conflicts.check(store, "redaction", expected.id, None, seen(expected))
    return from_row(row)


def _checked(store: CaseStore, r: Redaction) -> None:
    ex = store.exhibit_by_id(r.exhibit_id)
    model.check(r, ex.duration_ms, ex.width, ex.height)
    if r.kind == "sound" and not ex.has_audio:
        raise ReviewError(f"Exhibit {ex.ref} has no sound to redact.")
    if ex.duration_ms and r.end_ms > ex.duration_ms:
        r.end_ms = ex.duration_ms  # "to the end": the last frame, not a time past it


def add(store: CaseStore, r: Redaction, actor: str, action: str = "redaction.add") -> Redaction:
    """Insert one redaction (or, undoing a delete, re-insert it under its old id)."""
    return add_many(store, [r], actor, action)[0]


def add_many(store: CaseStore, items: list[Redaction], actor: str, action: str = "redaction.add") -> list[Redaction]:
    """Several redactions in one transaction (a face scan's suggestions): all or none."""
    stamp = now_iso()
    for r in items:
        _checked(store, r)
        r.created = r.created or stamp
        r.updated = stamp
        r.reviewer = r.reviewer or actor
    ids = []
    with store.transaction():
        for r in items:
            row = to_row(r)
            if r.id is None:  # a new redaction (an undone delete comes back under its own number)
                row = {"id": numbering.next_id(store, "redaction", actor)} | row
            rid = _insert(store.db.conn, "redaction", row)
            audit.record(store.db, actor, action, "redaction", rid, after=_select(store.db.conn, "redaction", rid))
            ids.append(rid)
    return [redaction(store, i) for i in ids]


def seen(r: Redaction | None) -> dict | None:
    """A redaction as a reviewer saw it, shaped as its stored row (for conflicts.check)."""
    return None if r is None else to_row(r) | {"id": r.id}


def update(store: CaseStore, redaction_id: int, actor: str, action: str = "redaction.update",
           expected: Redaction | None = None, **changes) -> Redaction:
    """Change fields of one redaction (``keyframes`` as a list of Keyframe). ``expected``: the
    redaction as the reviewer saw it; refused (conflicts.ConflictError, naming who) if anyone
    changed or deleted it since, as a mark's edit is: never a silent overwrite."""
    current = redaction(store, redaction_id) if expected is None else _still(store, expected)
    for key, value in changes.items():
        if not hasattr(current, key) or key in ("id", "exhibit_id", "created"):
            raise ReviewError(f"A redaction has no field {key!r} that can be changed.")
        setattr(current, key, value)
    _checked(store, current)
    current.updated = now_iso()
    row = to_row(current)
    with store.transaction():
        before = _select(store.db.conn, "redaction", redaction_id)
        conflicts.check(store, "redaction", redaction_id, before, seen(expected))
        _update(store.db.conn, "redaction", redaction_id, {k: v for k, v in row.items() if k != "id"})
        audit.record(store.db, actor, action, "redaction", redaction_id, before,
                     _select(store.db.conn, "redaction", redaction_id))
    return redaction(store, redaction_id)


def confirm(store: CaseStore, redaction_ids: list[int], actor: str) -> list[Redaction]:
    """Mark suggestions as confirmed by ``actor``: one transaction, one audit row each."""
    wanted = [redaction(store, i) for i in dict.fromkeys(redaction_ids)]
    stamp = now_iso()
    with store.transaction():
        for r in wanted:
            if r.status == "confirmed":
                continue
            before = _select(store.db.conn, "redaction", r.id)
            _update(store.db.conn, "redaction", r.id, {"status": "confirmed", "reviewer": actor, "updated": stamp})
            audit.record(store.db, actor, "redaction.confirm", "redaction", r.id, before,
                         _select(store.db.conn, "redaction", r.id))
    return [redaction(store, r.id) for r in wanted]


def delete(store: CaseStore, redaction_id: int, actor: str, action: str = "redaction.delete",
           expected: Redaction | None = None) -> Redaction:
    current = redaction(store, redaction_id) if expected is None else _still(store, expected)
    with store.transaction():
        before = _select(store.db.conn, "redaction", redaction_id)
        conflicts.check(store, "redaction", redaction_id, before, seen(expected))
        store.db.conn.execute("DELETE FROM redaction WHERE id = ?", [redaction_id])
        audit.record(store.db, actor, action, "redaction", redaction_id, before=before)
    return current


# -- copies ------------------------------------------------------------------------------
def record_copy(store: CaseStore, row: dict, actor: str) -> dict:
    """Record a redacted copy just made (its file already in place) as one audited change."""
    row = dict(row, made=row.get("made") or now_iso(), made_by=actor)
    with store.transaction():
        rid = _insert(store.db.conn, "redacted_copy", row)
        after = _select(store.db.conn, "redacted_copy", rid)
        audit.record(store.db, actor, "redaction.copy", "redacted_copy", rid, after=after,
                     detail=f"{Path(row['path']).name} sha256 {row['sha256']} from source sha256 {row['source_sha256']}")
    return after


def copies(store: CaseStore, exhibit_id: int | None = None) -> list[dict]:
    sql = "SELECT * FROM redacted_copy"
    args: list = []
    if exhibit_id is not None:
        sql += " WHERE exhibit_id = ?"
        args.append(exhibit_id)
    return [dict(r) for r in store.db.query(sql + " ORDER BY id", args)]


def stored_copy_path(store: CaseStore, path: Path) -> str:
    """How a copy (or its report) is named in the case: relative to the case's folder (for a
    server case, this desktop's media folder for it) when written inside it, so the folder can
    move; else where it was written on this computer. A copy is written, never read as footage,
    so unlike footage no place is refused and no folder becomes a media folder by it."""
    real = Path(path).resolve()
    folder = Path(store.folder).resolve()
    if real.is_relative_to(folder):
        return PurePosixPath(*real.relative_to(folder).parts).as_posix()
    return real.as_posix()


def copy_path(store: CaseStore, stored: str) -> Path:
    """Where a recorded copy (or report) is on this computer, from its stored name."""
    path = Path(stored)
    return path if path.is_absolute() else store.folder / path


def copy_notes(store: CaseStore) -> tuple[list[tuple[dict, Path]], list[str]]:
    """(copies to check, notes): the latest copy recorded at each path that is still
    there is checked; one replaced by a later copy, or no longer there, is only noted."""
    latest: dict[Path, dict] = {}
    made = copies(store)
    for row in made:
        latest[copy_path(store, row["path"])] = row
    present, notes = [], []
    for row in made:
        path = copy_path(store, row["path"])
        if latest[path] is not row:
            notes.append(f"Redacted copy {row['id']} ({path.name}) was replaced by copy {latest[path]['id']}.")
        elif not path.is_file():
            notes.append(f"Redacted copy {row['id']} ({path.name}) is not here any more (handed over or moved); "
                         "it was not checked.")
        else:
            present.append((row, path))
    return present, notes


def report_notes(store: CaseStore) -> tuple[list[tuple[dict, Path]], list[str]]:
    """(disclosure reports to check, notes), as for the copies: the latest report recorded at
    each path that is still there is checked against the SHA-256 recorded (and audited) with
    its copy; one written over by a later copy's, no longer there, or recorded without its
    SHA-256 (a case made before reports were hashed) is only noted, never passed in silence."""
    made = [row for row in copies(store) if row.get("report_path")]
    latest = {copy_path(store, row["report_path"]): row for row in made}
    present, notes = [], []
    for row in made:
        path = copy_path(store, row["report_path"])
        what = f"The disclosure report of redacted copy {row['id']} ({path.name})"
        if latest[path] is not row:
            notes.append(f"{what} was replaced by copy {latest[path]['id']}'s.")
        elif not path.is_file():
            notes.append(f"{what} is not here any more (handed over or moved); it was not checked.")
        elif not row.get("report_sha256"):
            notes.append(f"{what} was not checked: its SHA-256 was not recorded when it was written.")
        else:
            present.append((row, path))
    return present, notes


def _system_file(path: Path) -> Path | None:
    """Where a recorded path leads, when that is a system file (/proc/kcore, say, at a
    report's size would be read for hours): such a path is named, never read."""
    real = path.resolve()
    return real if any(real.is_relative_to(system) for system in footage_paths.SYSTEM_FOLDERS) else None


def check_copies(store: CaseStore, progress=None) -> list[audit.Problem]:
    """A copy, or its disclosure report, still here whose bytes have changed since it was made."""
    problems = []
    for row, path in copy_notes(store)[0]:
        if system := _system_file(path):
            problems.append(audit.Problem("copy", f"Redacted copy {row['id']} was not checked: its recorded path "
                                                  f"leads to the system file {system}, not a copy."))
        elif path.stat().st_size != row["size"] or sha256_file(path, progress=progress) != row["sha256"]:
            problems.append(audit.Problem(
                "copy", f"Redacted copy {row['id']} ({path}) has changed since it was made (SHA-256 no longer matches)."))
    for row, path in report_notes(store)[0]:
        what = f"The disclosure report of redacted copy {row['id']}"
        if system := _system_file(path):
            problems.append(audit.Problem("copy", f"{what} was not checked: its recorded path leads to the system "
                                                  f"file {system}, not a report."))
        elif sha256_file(path) != row["report_sha256"]:
            problems.append(audit.Problem(
                "copy", f"{what} ({path}) has changed since it was written (SHA-256 no longer matches)."))
    return problems


def snapshot(items: list[Redaction]) -> str:
    return json.dumps([to_row(r) | {"id": r.id} for r in items], ensure_ascii=False, sort_keys=True)


def from_snapshot(text: str) -> list[Redaction]:
    return [from_row(row) for row in json.loads(text or "[]")]
