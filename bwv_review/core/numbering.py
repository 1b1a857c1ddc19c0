"""Numbers that name evidence are never handed out twice.

A mark's number is quoted in statements ("mark 12"), so it must name one utterance for the
life of the case; a redaction's number is quoted in disclosure reports. SQLite's
AUTOINCREMENT keeps its high-water mark in ``sqlite_sequence``, which anyone with sqlite3
can lower (and a server's identity sequence can be set back by the case's owner), after
which a deleted mark's number would be given to a new one. So the store numbers a new row
itself, inside the write transaction: one more than the highest of the sequence (SQLite),
the highest number in the table and the highest number the audit trail has recorded for
that table. Every insert is audited in its own transaction and the audit is hash-chained
and signed, so the audit's highest number is the highest ever used.

A lowered sequence is a case file edited outside the app: ``verify`` says so while it
stands, and when a change is written over it, an audit entry (``numbering.lowered``) keeps
what was found, so ``verify`` still says so after the sequence has moved on.
"""

from __future__ import annotations

import json

from . import audit

NUMBERED = {"annotation": "mark", "redaction": "redaction"}  # table: the investigator's word
LOWERED = "numbering.lowered"


def highest_used(conn, table: str) -> int:
    """The highest number the table holds or its audit trail ever recorded."""
    held = conn.execute(f'SELECT coalesce(max(id), 0) FROM "{table}"').fetchone()[0]
    audited = conn.execute("SELECT coalesce(max(entity_id), 0) FROM audit WHERE entity = ?", [table]).fetchone()[0]
    return max(held, audited)


def sequence(store, table: str) -> int | None:
    """SQLite's high-water mark for ``table`` (0 if its row was deleted, or is not a number);
    None on a server, whose sequence the store does not use for these tables (its owner could
    set it back; numbers there follow the table and the audit alone)."""
    conn = store.db.conn
    if store.dialect.name != "sqlite" or not conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", [table]).fetchone():
        return None  # a server; or a case whose format predates the table
    row = conn.execute("SELECT seq FROM sqlite_sequence WHERE name = ?", [table]).fetchone()
    return row[0] if row is not None and isinstance(row[0], int) else 0


def next_id(store, table: str, actor: str) -> int:
    """The number for a new row of ``table``; call inside the write transaction (its lock keeps
    anyone else from taking the same number meanwhile)."""
    used = highest_used(store.db.conn, table)
    seq = sequence(store, table)
    if seq is not None and seq < used:
        audit.record(store.db, actor, LOWERED, after={"table": table, "sequence": seq, "used": used},
                     detail=_lowered(table, seq, used, f"; new numbers continue after {used}"))
    return max(used, seq or 0) + 1


def _lowered(table: str, seq, used, then: str) -> str:
    noun = NUMBERED.get(table, table)
    return (f"The sequence that numbers {noun}s was lowered outside the app (sqlite_sequence {seq}, "
            f"though {noun} {used} had already been used){then}.")


def check(store) -> list[audit.Problem]:
    """A sequence lowered below a number already used, now or (found by a change) earlier."""
    problems = []
    for table, noun in NUMBERED.items():
        seq = sequence(store, table)
        if seq is not None and seq < (used := highest_used(store.db.conn, table)):
            problems.append(audit.Problem("numbering", _lowered(
                table, seq, used, f"; this app numbers a new {noun} past every number used, but the file was edited")))
    for seq, at, actor, after in store.db.conn.execute(
            "SELECT seq, at, actor, after FROM audit WHERE action = ? ORDER BY seq", [LOWERED]):
        try:
            found = json.loads(after)
        except (TypeError, ValueError):
            found = None
        found = found if isinstance(found, dict) else {}
        problems.append(audit.Problem("numbering", _lowered(
            found.get("table", "?"), found.get("sequence", "?"), found.get("used", "?"),
            f"; found at audit entry {seq} ({at}, a change by {actor}), and new numbers continued past it")))
    return problems
