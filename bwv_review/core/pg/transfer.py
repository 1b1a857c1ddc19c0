"""Moving a case between a file and a server, with its whole history and signatures.

``push``: a case file that verifies is copied, row for row (every audit entry, seal and
listed key as it is), into an empty database, then one audited, signed entry says it was
pushed, from which file and at which audit head; the server copy is verified before the
command says it is done. ``pull``: a server case copied, row for row, from one consistent
snapshot into a new case file that verifies on its own (for disclosure, or a closed case).
Neither ever changes its source.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Callable
from pathlib import Path

import psycopg
from psycopg import sql

from .. import audit, dialect, evidence, numbering, schema
from ..casefile import harden
from ..errors import CaseFileError, ReviewError
from ..store import CaseStore
from . import catalog, roles
from .case import ServerCase, connect
from .connection import explain
from .url import parse

BATCH = 5000
Progress = Callable[[int, int], None]


def _columns(table: dialect.Table) -> list[str]:
    return [c.name for c in table.columns]


def _order(table: dialect.Table) -> str:
    return ", ".join(f'"{k}"' for k in table.primary_key)


def _autoincrement(conn: sqlite3.Connection) -> set[str]:
    rows = conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table'").fetchall()
    return {name for name, text in rows if text and "AUTOINCREMENT" in text.upper()}


def push(source: Path, location: str, actor: str, reviewers_role: str | None = None,
         progress: Progress | None = None) -> ServerCase:
    """Copy the case file ``source`` into the empty database at ``location``."""
    source = Path(source)
    local = CaseStore.open(source, readonly=True)
    try:
        if local.needs_upgrade:
            raise ReviewError(f"{source} is in case format {local.format_version}; upgrade it first with "
                              f"`bwv-review upgrade {source}` (a server case starts at format {schema.VERSION}).")
        problems = evidence.check_integrity(local, thorough=True).problems
        if problems:
            raise ReviewError(f"{source} does not verify ({len(problems)} problem(s); the first: {problems[0]}), and "
                              "only a case that verifies is pushed. Nothing was changed on the server.")
        head = local.audit_head()
        address = parse(location)
        raw = connect(address)
        try:
            roles.make_schema(raw, address, schema.VERSION, reviewers_role,
                              fill=lambda: _copy_to_server(local.db.conn, raw, progress))
        finally:
            raw.close()
    finally:
        local.close()
    server = ServerCase.open(location, actor=actor)
    try:
        with server.transaction() as db:
            audit.record(db, actor, "case.push",
                         detail=f"copied from the case file {source.name} at audit head {head[0]}:{head[1]}")
        found = server.db.execute("SELECT hash FROM audit WHERE seq = ?", [head[0]]).fetchone()
        problems = evidence.check_integrity(server, thorough=True).problems
        if problems or (head[0] and (found is None or found[0] != head[1])):
            raise CaseFileError(f"The copy on the server does not verify ({problems[0] if problems else 'head differs'});"
                                " drop that database and push again.")
    except BaseException:
        server.close()
        raise
    return server


def _copy_to_server(local: sqlite3.Connection, raw: psycopg.Connection, progress: Progress | None) -> None:
    target = catalog.translated(schema.VERSION)
    total = sum(local.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in target.tables)
    done = 0
    for name, table in target.tables.items():
        cols = _columns(table)
        statement = sql.SQL("COPY {}.{} ({}) FROM STDIN").format(
            sql.Identifier(dialect.SCHEMA), sql.Identifier(name), sql.SQL(", ").join(map(sql.Identifier, cols)))
        cur = local.execute(f'SELECT {", ".join(f"[{c}]" for c in cols)} FROM "{name}" ORDER BY {_order(table)}')
        try:
            with raw.cursor().copy(statement) as copy:
                while rows := cur.fetchmany(BATCH):
                    for row in rows:
                        copy.write_row(row)
                    done += len(rows)
                    if progress:
                        progress(done, total)
        except psycopg.DataError as exc:
            raise ReviewError(f"The case's {name} table holds something a server case cannot store ({exc}); "
                              "nothing was changed on the server.") from exc
    used = dict(local.execute("SELECT name, seq FROM sqlite_sequence").fetchall())
    for name, table in target.tables.items():
        if any(c.identity for c in table.columns):
            key = table.primary_key[0]
            _set_sequence(raw, name, key, used.get(name, 0))


def _set_sequence(raw: psycopg.Connection, table: str, column: str, at_least: int) -> None:
    """The next number the server hands out is past every one the file ever used."""
    raw.execute(sql.SQL("SELECT setval(pg_get_serial_sequence({}, {}), greatest(coalesce(max({}), 0), %s, 1), "
                        "greatest(coalesce(max({}), 0), %s) > 0) FROM {}.{}").format(
        sql.Literal(f"{dialect.SCHEMA}.{table}"), sql.Literal(column), sql.Identifier(column), sql.Identifier(column),
        sql.Identifier(dialect.SCHEMA), sql.Identifier(table)), [at_least, at_least])


def pull(location: str, out: Path, progress: Progress | None = None) -> list[audit.Problem]:
    """Copy the server case at ``location`` into the new case file ``out``; return what
    verifying the file on its own finds (nothing, when the server case is sound)."""
    out = Path(out)
    if out.exists():
        raise CaseFileError(f"{out} already exists; choose another name (nothing was changed).")
    if not out.parent.is_dir():
        raise CaseFileError(f"Folder {out.parent} does not exist.")
    tmp = out.with_name(out.name + ".pulling")
    tmp.unlink(missing_ok=True)
    server = ServerCase.open(location, readonly=True)
    conn = harden(sqlite3.connect(str(tmp), isolation_level=None))
    try:
        if server.needs_upgrade:
            raise ReviewError(f"The server case {location} is in an older format; its owner upgrades it first with "
                              f"`bwv-review upgrade {location}`.")
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute("BEGIN IMMEDIATE")
        expected = schema.expected_connection(schema.VERSION)
        try:
            for (text,) in expected.execute("SELECT sql FROM sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE "
                                             "'sqlite_%' ORDER BY type = 'index', rowid"):
                conn.execute(text)
        finally:
            expected.close()
        with server.snapshot():
            _copy_from_server(server, conn, progress)
        conn.execute(f"PRAGMA application_id = {schema.APPLICATION_ID}")
        conn.execute(f"PRAGMA user_version = {schema.VERSION}")
        conn.execute("COMMIT")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.close()
    except BaseException:
        with contextlib.suppress(sqlite3.Error):
            conn.close()
        for suffix in ("", "-wal", "-shm"):
            Path(str(tmp) + suffix).unlink(missing_ok=True)
        raise
    finally:
        server.close()
    tmp.replace(out)
    with CaseStore.open(out, readonly=True) as archive:
        return evidence.check_integrity(archive, thorough=True).problems


def _copy_from_server(server: ServerCase, conn: sqlite3.Connection, progress: Progress | None) -> None:
    target = catalog.translated(schema.VERSION)
    raw = server.db.conn.raw
    try:
        total = sum(raw.execute(sql.SQL("SELECT count(*) FROM {}.{}").format(
            sql.Identifier(dialect.SCHEMA), sql.Identifier(t))).fetchone()[0] for t in target.tables)
        done = 0
        for name, table in target.tables.items():
            cols = _columns(table)
            insert = f'INSERT INTO "{name}" ({", ".join(f"[{c}]" for c in cols)}) VALUES ({", ".join("?" * len(cols))})'
            with raw.cursor(name=f"pull_{name}") as cur:
                cur.execute(sql.SQL("SELECT {} FROM {}.{} ORDER BY {}").format(
                    sql.SQL(", ").join(map(sql.Identifier, cols)), sql.Identifier(dialect.SCHEMA), sql.Identifier(name),
                    sql.SQL(", ").join(map(sql.Identifier, table.primary_key))))
                while rows := cur.fetchmany(BATCH):
                    conn.executemany(insert, rows)
                    done += len(rows)
                    if progress:
                        progress(done, total)
        for name in _autoincrement(conn):
            seq_name = raw.execute("SELECT pg_get_serial_sequence(%s, 'id')", [f"{dialect.SCHEMA}.{name}"]).fetchone()[0]
            last = raw.execute(sql.SQL("SELECT CASE WHEN is_called THEN last_value ELSE last_value - 1 END FROM {}")
                               .format(sql.SQL(seq_name))).fetchone()[0]
            conn.execute("DELETE FROM sqlite_sequence WHERE name = ?", [name])
            # Past a deleted mark's number too: the server's own sequence does not number marks
            # or redactions (numbering.py), so it may stand lower.
            most = numbering.highest_used(conn, name)
            if max(last, most):
                conn.execute("INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)", [name, max(last, most)])
    except psycopg.Error as exc:
        raise explain(exc, server.url) from exc
