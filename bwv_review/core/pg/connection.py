"""A PostgreSQL connection that the store, the audit log and the seals use as they use SQLite.

The core writes its SQL once, in SQLite's dialect (``?`` placeholders, sqlite3's cursor:
``fetchone``, ``lastrowid``, ``description``); ``Connection`` runs it through psycopg after
``dialect.to_postgres``, and ``Database`` is the small part of sqlite-utils' ``Database``
the core calls (``query``, ``execute``, ``conn``, ``db[table].get/insert``). Every psycopg
error leaves here as a ``ServerError`` holding one sentence, so nothing above it needs to
know which engine a case is on.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterable, Iterator, Sequence

import psycopg
from psycopg import errors as pg_errors

from .. import dialect
from ..errors import CaseFileError, ReviewError

NUL_TEXT = ("The change holds a NUL character (U+0000), which a server case cannot store; remove it and try "
            "again (nothing was saved).")
_INSERT = re.compile(r"\s*INSERT\s+INTO\s+[\[\"]?(\w+)", re.IGNORECASE)


class ServerError(CaseFileError):
    """A server case could not do what was asked; ``lost`` when the connection itself failed."""

    def __init__(self, message: str, lost: bool = False, sqlstate: str | None = None):
        super().__init__(message)
        self.lost = lost
        self.sqlstate = sqlstate


def explain(exc: psycopg.Error, where: str) -> ServerError:
    """One sentence for a psycopg error (``where``: the case's address)."""
    state = getattr(exc, "sqlstate", None) or ""
    first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    if isinstance(exc, pg_errors.LockNotAvailable) or state == "55P03":
        return ServerError(f"The server case {where} stayed busy with another reviewer's change for too long; "
                           "nothing was changed, try again.", sqlstate=state)
    if isinstance(exc, pg_errors.InsufficientPrivilege):
        return ServerError(f"Your database role may not do this in the server case {where} ({first}); nothing "
                           "was changed. Ask whoever runs the server to grant it.", sqlstate=state)
    if isinstance(exc, pg_errors.ReadOnlySqlTransaction):
        return ServerError(f"The server case {where} is open read-only; nothing was changed.", sqlstate=state)
    if isinstance(exc, psycopg.OperationalError) or state.startswith("08") or state in ("57P01", "57P02", "57P03"):
        return ServerError(f"The connection to the server case {where} was lost ({first}).", lost=True,
                           sqlstate=state)
    return ServerError(f"The server case {where} refused the change ({first}); nothing was changed.",
                       sqlstate=state)


def _params(params: Sequence | None) -> Sequence:
    if not params:
        return ()
    # SQLite stores True as 1; a BIGINT column on the server takes the same number.
    return [int(p) if isinstance(p, bool) else p for p in params]


class Cursor:
    """What sqlite3's cursor gives the core: rows as tuples, ``description``, ``lastrowid``."""

    def __init__(self, cur: psycopg.Cursor, lastrowid: int | None = None):
        self._cur = cur
        self.lastrowid = lastrowid

    @property
    def description(self):
        return self._cur.description

    @property
    def rowcount(self) -> int:
        return self._cur.rowcount

    def fetchone(self):
        return self._cur.fetchone() if self._cur.description else None

    def fetchall(self) -> list:
        return self._cur.fetchall() if self._cur.description else []

    def __iter__(self) -> Iterator[tuple]:
        return iter(self.fetchall())


class Connection:
    """sqlite3.Connection's shape over a psycopg connection (autocommit; BEGIN/COMMIT are ours)."""

    def __init__(self, raw: psycopg.Connection, where: str, id_tables: set[str]):
        self.raw = raw
        self.where = where
        self.id_tables = id_tables

    def _translate(self, sql: str) -> tuple[str, bool]:
        text = dialect.to_postgres(sql)
        m = _INSERT.match(sql)
        returning = bool(m and m.group(1) in self.id_tables and "RETURNING" not in sql.upper())
        return (text + " RETURNING id" if returning else text), returning

    @contextlib.contextmanager
    def _sentences(self) -> Iterator[None]:
        """psycopg's errors as the one sentence a reviewer reads."""
        try:
            yield
        except UnicodeEncodeError as exc:
            raise ReviewError(NOT_TEXT_SERVER) from exc
        except psycopg.DataError as exc:
            if "NUL" in str(exc) or "0x00" in str(exc):
                raise ReviewError(NUL_TEXT) from exc
            raise explain(exc, self.where) from exc
        except psycopg.Error as exc:
            raise explain(exc, self.where) from exc

    def execute(self, sql: str, params: Sequence | None = None) -> Cursor:
        text, returning = self._translate(sql)
        with self._sentences():
            cur = self.raw.execute(text, _params(params))
            lastrowid = cur.fetchone()[0] if returning else None
        return Cursor(cur, lastrowid)

    def executemany(self, sql: str, seq: Iterable[Sequence]) -> None:
        text = dialect.to_postgres(sql)
        with self._sentences(), self.raw.cursor() as cur:
            cur.executemany(text, [_params(p) for p in seq])

    @property
    def in_transaction(self) -> bool:
        return self.raw.info.transaction_status != psycopg.pq.TransactionStatus.IDLE

    @property
    def broken(self) -> bool:
        return self.raw.closed or self.raw.broken

    def close(self) -> None:
        self.raw.close()


NOT_TEXT_SERVER = ("The change holds characters that are not valid text (an unpaired surrogate, as left by bytes "
                   "that were not UTF-8); nothing was saved.")


class _Inserted:
    def __init__(self, last_pk: int | None):
        self.last_pk = last_pk


class _Table:
    """``db[table].get(id)`` and ``db[table].insert(row).last_pk``, as sqlite-utils offers them."""

    def __init__(self, db: Database, name: str):
        self.db = db
        self.name = name

    def get(self, rid: int) -> dict:
        rows = list(self.db.query(f'SELECT * FROM "{self.name}" WHERE id = ?', [rid]))
        if not rows:
            raise ReviewError(f"No {self.name} {rid} in this case.")
        return rows[0]

    def insert(self, row: dict) -> _Inserted:
        cols = ", ".join(f'"{c}"' for c in row)
        cur = self.db.conn.execute(f'INSERT INTO "{self.name}" ({cols}) VALUES ({", ".join("?" for _ in row)})',
                                   list(row.values()))
        return _Inserted(cur.lastrowid)


class Database:
    """The part of sqlite_utils.Database the core uses, over a server case's connection.
    ``db_role`` is the role the server records against every audit entry made through it."""

    def __init__(self, conn: Connection, db_role: str | None):
        self.conn = conn
        self.db_role = db_role

    def execute(self, sql: str, params: Sequence | None = None) -> Cursor:
        return self.conn.execute(sql, params)

    def query(self, sql: str, params: Sequence | None = None) -> Iterator[dict]:
        cur = self.conn.execute(sql, params)
        names = [d[0] for d in cur.description or ()]
        for row in cur.fetchall():
            yield dict(zip(names, row, strict=True))

    def __getitem__(self, table: str) -> _Table:
        return _Table(self, table)
