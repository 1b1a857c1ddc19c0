"""Making a server case's schema, upgrading it, and what each database role may do in it.

The role that makes the case (``bwv-review new URL`` or ``push``) owns its schema and
tables: keep that role for setting up, not for reviewing. Reviewers log in with their own
roles, members of one group role the case is made for (``--reviewers-role``), which may:

- read everything;
- add, change and delete marks, exhibits, categories, coverage and machine drafts (each
  change audited: what they do outside the app shows in ``verify``);
- only *add* audit entries, seals and keys: never change or delete one, and never write
  an audit entry's ``db_role``, which the server fills in with the role that logged in;
- take the write lock (UPDATE on ``audit_head``).
"""

from __future__ import annotations

from collections.abc import Callable

import psycopg
from psycopg import sql

from .. import audit, dialect, schema
from ..errors import CaseFileError
from . import catalog
from .connection import explain
from .url import ServerAddress

APPEND_ONLY = ("audit_seal", "signer")


def _ident(name: str) -> sql.Identifier:
    return sql.Identifier(name)


def make_schema(raw: psycopg.Connection, address: ServerAddress, version: int, reviewers_role: str | None,
                fill: Callable[[], None] | None = None) -> None:
    """The case's schema, empty but for the audit head (or filled by ``fill``: a pushed case's
    rows), in one transaction; refused if the database already holds one."""
    if raw.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", [dialect.SCHEMA]).fetchone():
        raise CaseFileError(f"The database {address.url} already holds a case (or a schema named "
                            f"{dialect.SCHEMA!r}); a new case needs an empty database. Nothing was changed.")
    if reviewers_role and not raw.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [reviewers_role]).fetchone():
        raise CaseFileError(f"There is no database role {reviewers_role!r} on the server to let review the case; "
                            "create it first (see the README). Nothing was changed.")
    target = catalog.translated(version)
    try:
        raw.execute("BEGIN")
        raw.execute(sql.SQL("CREATE SCHEMA {}").format(_ident(dialect.SCHEMA)))
        for statement in dialect.server_ddl(target, dialect.SCHEMA):
            raw.execute(statement)
        if fill is None:
            raw.execute(f"INSERT INTO {dialect.SCHEMA}.audit_head (id, seq, hash) VALUES (1, 0, %s)", [audit.GENESIS])
        else:
            fill()
        set_format(raw, version)
        if reviewers_role:
            grant(raw, reviewers_role, target)
        raw.execute("COMMIT")
    except psycopg.Error as exc:
        raw.execute("ROLLBACK")
        raise explain(exc, address.url) from exc
    except BaseException:
        raw.execute("ROLLBACK")
        raise


def set_format(raw: psycopg.Connection, version: int) -> None:
    raw.execute(sql.SQL("COMMENT ON SCHEMA {} IS {}").format(
        _ident(dialect.SCHEMA), sql.Literal(dialect.FORMAT_COMMENT.format(version=version))))


def grant(raw: psycopg.Connection, role: str, target: dialect.ServerSchema, tables: list[str] | None = None) -> None:
    """What reviewers in ``role`` may do (see the module docstring)."""
    who = _ident(role)
    raw.execute(sql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(_ident(dialect.SCHEMA), who))
    for name in tables or list(target.tables):
        table = sql.SQL("{}.{}").format(_ident(dialect.SCHEMA), _ident(name))
        raw.execute(sql.SQL("GRANT SELECT ON {} TO {}").format(table, who))
        if name == "audit":
            cols = [c.name for c in target.tables[name].columns if (name, c.name) != dialect.ROLE_COLUMN]
            raw.execute(sql.SQL("GRANT INSERT ({}) ON {} TO {}").format(
                sql.SQL(", ").join(map(_ident, cols)), table, who))
        elif name == "audit_head":
            raw.execute(sql.SQL("GRANT UPDATE ON {} TO {}").format(table, who))
        elif name in APPEND_ONLY:
            raw.execute(sql.SQL("GRANT INSERT ON {} TO {}").format(table, who))
        else:
            raw.execute(sql.SQL("GRANT INSERT, UPDATE, DELETE ON {} TO {}").format(table, who))


def reviewer_roles(raw: psycopg.Connection) -> list[str]:
    """Roles that may write the case (they hold UPDATE on the audit head)."""
    rows = raw.execute(
        "SELECT grantee FROM information_schema.role_table_grants WHERE table_schema = %s AND table_name = "
        "'audit_head' AND privilege_type = 'UPDATE' AND grantee <> (SELECT nspowner::regrole::text FROM pg_namespace "
        "WHERE nspname = %s)", [dialect.SCHEMA, dialect.SCHEMA]).fetchall()
    return sorted({r[0] for r in rows})


def upgrade(store) -> None:
    """Bring a server case to this version's format: what later steps add, made by translation,
    one audited and signed transaction (needs the role that owns the case)."""
    current = catalog.translated(store.format_version)
    target = catalog.translated(schema.VERSION)
    raw = store.db.conn.raw
    with store.transaction() as db:
        try:
            for statement in dialect.server_ddl(target, dialect.SCHEMA, current):
                raw.execute(statement)
            new_tables = [t for t in target.tables if t not in current.tables]
            for role in reviewer_roles(raw):
                grant(raw, role, target, new_tables)
        except psycopg.Error as exc:
            raise explain(exc, store.url) from exc
        store.db.conn.id_tables = target.id_tables()
        for number in range(store.format_version + 1, schema.VERSION + 1):
            audit.record(db, store.actor or "bwv-review", "case.migrate", detail=f"case format {number - 1} -> {number}")
        set_format(raw, schema.VERSION)
    store.format_version = schema.VERSION
