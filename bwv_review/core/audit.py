"""Append-only, hash-chained audit log of every change to a case.

Each row records who did what and when, with the full row before and after the change.
Its ``hash`` is SHA-256 over its own fields and the previous row's hash, so editing,
deleting or reordering any row breaks the chain. The newest row's sequence number and
hash are also kept in ``audit_head`` (written in the same transaction), so cutting rows
off the end is caught too. ``replay`` rebuilds every audited table from the log alone;
comparing that with the tables as they stand catches rows edited behind the app's back.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .errors import NOT_TEXT, ReviewError
from .timecode import now_iso

if TYPE_CHECKING:
    from sqlite_utils import Database

GENESIS = "0" * 64
# Tables whose every change is audited and can be rebuilt from the log.
AUDITED = ("case_info", "exhibit", "category", "annotation", "signer", "redaction", "redacted_copy")


# json.dumps with these settings, built once: dumps makes a new encoder on every call, which
# is a fifth of the audit's cost in a 200,000-row import. Same class, same settings, same text.
_CANONICAL = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _canonical(value: Any) -> str:
    return _CANONICAL.encode(value)


# The fields a row's hash covers, in order; a row is stored as these and its ``hash``.
FIELDS = ("seq", "at", "actor", "action", "entity", "entity_id", "before", "after", "detail", "prev_hash")
_INSERT = f"INSERT INTO audit ({', '.join(FIELDS)}, hash) VALUES ({', '.join('?' * (len(FIELDS) + 1))})"


def row_hash(row: dict) -> str:
    fields = [row[f] for f in FIELDS]
    # The database role (team cases, format 7 on) is hashed only where the server recorded
    # one, so every entry made before keeps its hash.
    if row.get("db_role") is not None:
        fields.append(row["db_role"])
    return _digest(fields)


def _digest(fields: list) -> str:
    try:
        return hashlib.sha256(_canonical(fields).encode("utf-8")).hexdigest()
    except UnicodeEncodeError as exc:  # e.g. bytes that were not UTF-8, passed on as surrogates
        raise ReviewError(NOT_TEXT) from exc


def create_tables(db: Database) -> None:
    db["audit"].create(
        {
            "seq": int,
            "at": str,
            "actor": str,
            "action": str,
            "entity": str,
            "entity_id": int,
            "before": str,
            "after": str,
            "detail": str,
            "prev_hash": str,
            "hash": str,
        },
        pk="seq",
        not_null={"at", "actor", "action", "prev_hash", "hash"},
    )
    db["audit_head"].create({"id": int, "seq": int, "hash": str}, pk="id")
    db["audit_head"].insert({"id": 1, "seq": 0, "hash": GENESIS})


def record(
    db: Database,
    actor: str,
    action: str,
    entity: str | None = None,
    entity_id: int | None = None,
    before: dict | None = None,
    after: dict | None = None,
    detail: str = "",
) -> dict:
    """Append one audit row; the caller holds the write transaction that made the change."""
    seq, prev = head(db)
    # On a server the role is the server's to fill in (reviewers cannot write that column);
    # the entry's hash covers the role this connection logged in as, so a mismatch shows.
    role = getattr(db, "db_role", None)
    fields = _fields(seq + 1, now_iso(), actor, action, entity, entity_id, before, after, _tagged(db, detail), prev,
                     role)
    # Plain SQL: this runs inside every change's transaction, so it must cost little.
    db.conn.execute(_INSERT, fields)
    db.conn.execute("UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1", [fields[0], fields[-1]])
    return {**dict(zip((*FIELDS, "hash"), fields, strict=True)), "db_role": role}


def record_many(
    db: Database,
    actor: str,
    action: str,
    entity: str,
    changes: Iterable[tuple[int | None, dict | None, dict | None]],
    detail: str = "",
) -> tuple[int, str]:
    """Append one audit row per ``(entity_id, before, after)`` in ``changes``, in order: the
    rows, hashes and chain that as many ``record`` calls would write (all stamped with one
    time, the transaction's), with one read of the head, one ``executemany`` and one update
    of the head. ``changes`` is consumed as the rows are written (it may report progress).
    Returns the new head (rows, hash)."""
    seq, prev = head(db)
    at, detail, role = now_iso(), _tagged(db, detail), getattr(db, "db_role", None)
    last = [seq, prev]

    def rows():
        n, previous = last
        for entity_id, before, after in changes:
            n += 1
            fields = _fields(n, at, actor, action, entity, entity_id, before, after, detail, previous, role)
            previous = fields[-1]
            last[:] = n, previous
            yield fields

    db.conn.executemany(_INSERT, rows())
    db.conn.execute("UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1", last)
    return last[0], last[1]


def _tagged(db: Database, detail: str) -> str:
    """``detail`` with the change its rows belong to: a core operation (core.operations) names
    it ("change 41"), so a later undo, from the window or the command line, takes back all of
    it or none."""
    tag = getattr(db, "change_tag", "")
    return (f"{detail}; {tag}" if detail else tag) if tag else detail


def _fields(seq: int, at: str, actor: str, action: str, entity: str | None, entity_id: int | None,
            before: dict | None, after: dict | None, detail: str, prev: str, role: str | None = None) -> list:
    """One row's stored values: FIELDS, then its hash (which covers the server's database
    role, when there is one: the server writes that column itself)."""
    fields = [seq, at, actor or "unknown", action, entity, entity_id,
              None if before is None else _canonical(before), None if after is None else _canonical(after),
              detail or "", prev]
    return [*fields, _digest(fields if role is None else [*fields, role])]


@dataclass
class Problem:
    kind: str  # "audit", "signature", "record", "format", "footage"
    message: str
    entity: str | None = None  # for "record": the table and row found changed
    entity_id: int | None = None

    def __str__(self) -> str:
        return self.message


def check_chain(db: Database) -> list[Problem]:
    """Every break in the hash chain, and any rows missing from its end."""
    problems: list[Problem] = []
    prev = GENESIS
    expected_seq = 1
    for row in db.query("SELECT * FROM audit ORDER BY seq"):
        if row["seq"] != expected_seq:
            problems.append(
                Problem("audit", f"Audit rows {expected_seq} to {row['seq'] - 1} are missing.")
            )
        if row["prev_hash"] != prev:
            problems.append(
                Problem("audit", f"Audit row {row['seq']} does not follow on from the row before it.")
            )
        if row_hash(row) != row["hash"]:
            problems.append(
                Problem("audit", f"Audit row {row['seq']} ({row['action']}) has been altered.")
            )
        prev = row["hash"]
        expected_seq = row["seq"] + 1
    head = db.execute("SELECT seq, hash FROM audit_head WHERE id = 1").fetchone()
    if head is None:
        problems.append(Problem("audit", "The audit head record is missing."))
    elif (head[0], head[1]) != (expected_seq - 1, prev):
        problems.append(
            Problem(
                "audit",
                f"The audit log ends at row {expected_seq - 1} but {head[0]} rows were written: "
                "rows have been removed or replaced at its end.",
            )
        )
    return problems


def _record(after: Any) -> dict | None:
    """An entry's row after the change, or None if it is not a row this app wrote (edited by hand)."""
    try:
        value = json.loads(after)
    except (TypeError, ValueError):  # not text, not JSON, or a lone surrogate
        return None
    return value if isinstance(value, dict) else None


def replay(db: Database, unreadable: list[Problem] | None = None) -> dict[str, dict[int, dict]]:
    """Every audited table as the log says it should be: {table: {id: row}}. An entry whose
    row is not a JSON object (it was edited outside the app) is left out and, if
    ``unreadable`` is given, reported there."""
    state: dict[str, dict[int, dict]] = {name: {} for name in AUDITED}
    for row in db.query(
        "SELECT seq, action, entity, entity_id, after FROM audit WHERE entity IS NOT NULL ORDER BY seq"
    ):
        table = state.get(row["entity"])
        if table is None:
            continue
        if row["after"] is None:
            table.pop(row["entity_id"], None)
            continue
        value = _record(row["after"])
        if value is None:
            if unreadable is not None:
                unreadable.append(Problem("audit", f"Audit row {row['seq']} ({row['action']}) holds a record that "
                                                   "cannot be read: it was altered outside the app."))
            continue
        table[row["entity_id"]] = value
    return state


def check_records(db: Database) -> list[Problem]:
    """Rows whose stored values differ from what the audit log says they should be."""
    problems: list[Problem] = []
    expected = replay(db, problems)
    for table in AUDITED:
        actual = {row["id"]: row for row in db.query(f"SELECT * FROM [{table}]")}
        label = table.replace("_info", "")
        for rid, row in actual.items():
            want = expected[table].get(rid)
            if want is None:
                problems.append(Problem(
                    "record", f"{label.capitalize()} {rid} was added outside the app (no audit record).", table, rid))
                continue
            changed = sorted(k for k in row if k in want and row[k] != want[k])
            changed += sorted(k for k in row if k not in want and row[k] is not None)
            if changed:
                problems.append(Problem(
                    "record", f"{label.capitalize()} {rid} was changed outside the app ({', '.join(changed)}).",
                    table, rid))
        for rid in expected[table].keys() - actual.keys():
            problems.append(Problem("record", f"{label.capitalize()} {rid} was deleted outside the app.", table, rid))
    return problems


def head(db: Database) -> tuple[int, str]:
    """(rows, hash of the newest row): quoted in exports so a later edit can be proven."""
    row = db.conn.execute("SELECT seq, hash FROM audit_head WHERE id = 1").fetchone()
    return (row[0], row[1]) if row else (0, GENESIS)


def people(db: Database) -> list[tuple[str, str | None, int]]:
    """(name given, database role recorded or None, entries) for everyone who changed the case."""
    return [(r[0], r[1], r[2]) for r in db.conn.execute(
        "SELECT actor, db_role, count(*) FROM audit GROUP BY actor, db_role ORDER BY min(seq)")]


def entries_since(db: Database, seq: int) -> list[dict]:
    """Audit entries after ``seq``, oldest first: what another reviewer (or program) changed."""
    return list(db.query("SELECT seq, at, actor, db_role, action, entity, entity_id, after FROM audit WHERE seq > ? "
                         "ORDER BY seq", [seq]))
