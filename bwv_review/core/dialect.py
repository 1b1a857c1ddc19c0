"""Every difference between the two engines' SQL, in one place.

A case lives in one SQLite file (the default) or in one PostgreSQL database (a team case).
The store, the audit log and its seals are written once, in SQLite's dialect with ``?``
placeholders; what PostgreSQL needs instead is decided here and nowhere else:

- placeholders and quoting: ``?`` -> ``%s``, ``[name]`` -> ``"name"`` (``to_postgres``);
- the few statements that differ (``SQLITE`` / ``POSTGRES`` below): case-insensitive
  matching, the smaller of two values in an upsert, what "the case changed" is measured by;
- the schema: PostgreSQL's tables, columns and indexes are *translated* from what the
  SQLite migration steps make (``server_ddl``), so the steps stay the only definition of
  a case format on both engines (``INTEGER`` -> ``BIGINT``, ``TEXT`` -> ``TEXT COLLATE "C"``
  so text sorts and compares by code point exactly as SQLite's BINARY does, ``FLOAT`` ->
  ``DOUBLE PRECISION``, ``INTEGER PRIMARY KEY`` -> an identity column, ``COLLATE NOCASE``
  in an index -> ``lower(column)``, which under "C" folds ASCII only, as NOCASE does).

Writes are serialised differently (SQLite: ``BEGIN IMMEDIATE``; PostgreSQL: a row lock on
``audit_head``, see pg/case.py) and change notices arrive differently (SQLite: ``PRAGMA
data_version``; PostgreSQL: ``NOTIFY`` on commit, see pg/live.py); those statements are here too.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass, field
from functools import lru_cache

from .errors import CaseFileError


@dataclass(frozen=True)
class Dialect:
    name: str
    nocase_eq: str  # "<column> matches ? ignoring ASCII case"; {col} is the column
    smaller: str  # the smaller of two values, as a function name


SQLITE = Dialect("sqlite", "{col} = ? COLLATE NOCASE", "min")
# lower() of a COLLATE "C" column folds ASCII letters only, exactly as SQLite's NOCASE does.
POSTGRES = Dialect("postgresql", "lower({col}) = lower(?)", "least")

# -- PostgreSQL's statements that have no SQLite counterpart ------------------------------------------
SCHEMA = "bwv"  # the case's own schema in its database; nothing else is on the search path
SEARCH_PATH = f"SET search_path = pg_catalog, {SCHEMA}, pg_temp"
CHANNEL = "bwv_review_case"  # NOTIFY channel: "a change was committed", payload "<audit seq>"
# Every write transaction takes this row's lock first: one writer at a time, like SQLite's
# BEGIN IMMEDIATE, so the audit chain stays one chain. Only roles allowed to write can take
# it (it needs UPDATE on audit_head), unlike an advisory lock any connected role could hold.
WRITE_LOCK = "SELECT seq, hash FROM audit_head WHERE id = 1 FOR UPDATE"
FORMAT_COMMENT = "bwv-review case, format {version}"
FORMAT_PATTERN = re.compile(r"bwv-review case, format (\d{1,6})")
# The database role that made an audit entry, filled in by the server: reviewers may not
# write this column (pg/roles.py grants every other column), so it cannot be typed.
ROLE_COLUMN = ("audit", "db_role")
ROLE_DEFAULT = "SESSION_USER"

# -- placeholders and quoting -----------------------------------------------------------------
_SQL_TOKENS = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|\[[^\]]*\]|\?|%|[^'\"\[?%]+", re.DOTALL)


@lru_cache(maxsize=512)
def to_postgres(sql: str) -> str:
    """SQLite-dialect SQL as psycopg takes it: ``?`` -> ``%s``, ``%`` -> ``%%``, ``[x]`` -> ``"x"``.
    Statements that only SQLite understands are refused (a bug, caught by the tests)."""
    head = sql.lstrip()[:12].upper()
    if head.startswith("PRAGMA") or "COLLATE NOCASE" in sql.upper():
        raise CaseFileError(f"Internal error: SQLite-only SQL sent to a server case: {sql[:60]!r}.")
    out = []
    for tok in _SQL_TOKENS.findall(sql):
        if tok == "?":
            out.append("%s")
        elif tok == "%":
            out.append("%%")
        elif tok.startswith("["):
            out.append('"' + tok[1:-1].replace('"', '""') + '"')
        else:
            out.append(tok)
    return "".join(out)


# -- the schema, translated from the SQLite steps ------------------------------------------------
@dataclass
class Column:
    name: str
    type: str  # the PostgreSQL type
    not_null: bool
    default: str | None
    identity: bool = False


@dataclass
class Table:
    name: str
    columns: list[Column]
    primary_key: list[str]
    foreign_keys: list[tuple[str, str, str]] = field(default_factory=list)  # (column, table, column)


@dataclass
class Index:
    name: str
    table: str
    unique: bool
    parts: list[str]  # column names or lower(column)


@dataclass
class ServerSchema:
    version: int
    tables: dict[str, Table]
    indexes: dict[str, Index]

    def id_tables(self) -> set[str]:
        """Tables whose rows are numbered by an ``id`` identity column (INSERT ... RETURNING id)."""
        return {t.name for t in self.tables.values() if any(c.name == "id" and c.identity for c in t.columns)}


_TYPES = {"INTEGER": "BIGINT", "INT": "BIGINT", "TEXT": 'TEXT COLLATE "C"', "FLOAT": "DOUBLE PRECISION",
          "REAL": "DOUBLE PRECISION"}


def _pg_type(table: str, column: str, sqlite_type: str) -> str:
    pg = _TYPES.get(sqlite_type.upper())
    if pg is None:
        raise CaseFileError(f"Internal error: column {table}.{column} has type {sqlite_type!r}, which has no "
                            "server translation; add one in core/dialect.py.")
    return pg


def _default(value: str | None) -> str | None:
    if value is None:
        return None
    if re.fullmatch(r"-?\d+(\.\d+)?|'(?:[^']|'')*'|NULL", value, re.IGNORECASE):
        return value
    raise CaseFileError(f"Internal error: default {value!r} has no server translation.")


def translate(conn: sqlite3.Connection, version: int) -> ServerSchema:
    """The PostgreSQL schema of case format ``version``, read from an SQLite database the
    migration steps built (``schema.expected_connection``)."""
    tables: dict[str, Table] = {}
    indexes: dict[str, Index] = {}
    for kind, name in conn.execute("SELECT type, name FROM sqlite_master ORDER BY rowid"):
        if kind in ("trigger", "view"):
            raise CaseFileError(f"Internal error: the {kind} {name!r} has no server translation.")
        if kind != "table" or name.startswith("sqlite_"):
            continue
        info = conn.execute(f"PRAGMA table_info([{name}])").fetchall()
        pk = [row[1] for row in sorted((r for r in info if r[5]), key=lambda r: r[5])]
        cols = []
        for _cid, col, ctype, notnull, dflt, pkpos in info:
            integer_key = len(pk) == 1 and pkpos == 1 and ctype.upper() == "INTEGER"
            default = ROLE_DEFAULT if (name, col) == ROLE_COLUMN else _default(dflt)
            cols.append(Column(col, _pg_type(name, col, ctype), bool(notnull) or bool(pkpos), default, integer_key))
        fks = [(r[3], r[2], r[4]) for r in conn.execute(f"PRAGMA foreign_key_list([{name}])")]
        tables[name] = Table(name, cols, pk, fks)
        for _seq, iname, unique, origin, _partial in conn.execute(f"PRAGMA index_list([{name}])"):
            if origin != "c":
                continue  # made by a PRIMARY KEY or UNIQUE clause: the constraint covers it
            parts = []
            for row in conn.execute(f"PRAGMA index_xinfo([{iname}])"):
                cid, col, coll, key = row[1], row[2], row[4], row[5]
                if not key:
                    continue
                if cid < 0:
                    raise CaseFileError(f"Internal error: index {iname!r} on an expression has no server translation.")
                if coll.upper() == "NOCASE":
                    parts.append(f"lower({col})")
                elif coll.upper() == "BINARY":
                    parts.append(col)
                else:
                    raise CaseFileError(f"Internal error: collation {coll} in index {iname!r} has no translation.")
            indexes[iname] = Index(iname, name, bool(unique), parts)
    return ServerSchema(version, tables, indexes)


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def table_ddl(table: Table, schema: str) -> str:
    lines = []
    for c in table.columns:
        text = f"{_q(c.name)} {c.type}"
        if c.identity:
            text += " GENERATED BY DEFAULT AS IDENTITY"
        elif c.not_null:
            text += " NOT NULL"
        if c.default is not None:
            text += f" DEFAULT {c.default}"
        lines.append(text)
    lines.append(f"PRIMARY KEY ({', '.join(_q(k) for k in table.primary_key)})")
    for col, other, other_col in table.foreign_keys:
        lines.append(f"FOREIGN KEY ({_q(col)}) REFERENCES {schema}.{_q(other)} ({_q(other_col)})")
    return f"CREATE TABLE {schema}.{_q(table.name)} (\n  " + ",\n  ".join(lines) + "\n)"


def index_ddl(index: Index, schema: str) -> str:
    parts = ", ".join(p if p.startswith("lower(") else _q(p) for p in index.parts)
    unique = "UNIQUE " if index.unique else ""
    return f"CREATE {unique}INDEX {_q(index.name)} ON {schema}.{_q(index.table)} ({parts})"


def server_ddl(target: ServerSchema, schema: str, current: ServerSchema | None = None) -> list[str]:
    """Statements that make ``target`` in ``schema``: all of it, or (``current`` given) only
    what a later format adds. A change to an existing column is refused: it cannot be made
    by translation and needs a hand-written step."""
    statements = []
    for name, table in target.tables.items():
        have = current.tables.get(name) if current else None
        if have is None:
            statements.append(table_ddl(table, schema))
            continue
        old = {c.name: c for c in have.columns}
        for col in table.columns:
            if col.name in old:
                if old[col.name] != col:
                    raise CaseFileError(f"Internal error: column {name}.{col.name} changed between formats.")
                continue
            if col.not_null or col.identity:
                raise CaseFileError(f"Internal error: a NOT NULL column {name}.{col.name} cannot be added.")
            table_name = f"{schema}.{_q(name)}"
            statements.append(f"ALTER TABLE {table_name} ADD COLUMN {_q(col.name)} {col.type}")
            if col.default is not None:  # separately, so rows already there stay NULL (and keep their hashes)
                statements.append(f"ALTER TABLE {table_name} ALTER COLUMN {_q(col.name)} SET DEFAULT {col.default}")
    for name, index in target.indexes.items():
        if current is None or name not in current.indexes:
            statements.append(index_ddl(index, schema))
    return statements
