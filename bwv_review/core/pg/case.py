"""A case on a PostgreSQL server: the same store, opened and written the server's way.

``ServerCase`` is a ``CaseStore``: every read, change, audit entry and seal is the same
code as for a case file. What differs is here:

- Opening: the address is checked (pg.url), the connection set up (our schema first on the
  search path, nothing else; a lock timeout; TCP keepalives so a dropped network is seen),
  then the case's schema compared with what this version makes (pg.catalog) before any of
  its data is read.
- Writing: each transaction takes the row lock on ``audit_head`` first, so reviewers
  writing at once queue for a moment and the audit chain stays one chain; it ends by
  notifying the others (``NOTIFY``, delivered only on commit) with the new audit head.
- Who: the server records the database role against every audit entry (pg.roles grants
  reviewers every audit column but that one), beside the display name the reviewer set.
- Footage: paths are relative to this desktop's media folder for the case (footage_paths).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import psycopg

from .. import audit, dialect, footage_paths, schema, witness
from ..errors import CaseFileError, ReviewError
from ..model import Case, Exhibit
from ..store import CaseStore
from ..timecode import now_iso
from . import catalog, roles
from .connection import Connection, Database, ServerError, explain
from .url import ServerAddress, parse

LOCK_TIMEOUT = "30s"  # as long as SQLite's busy timeout: another reviewer's change takes ms
CONNECT_TIMEOUT_S = 5
# A desktop that vanished mid-transaction must not hold the write lock for long.
IDLE_IN_TRANSACTION = "60s"


def connect(address: ServerAddress, app_name: str = "bwv-review") -> psycopg.Connection:
    """A connection set up for a case (autocommit: BEGIN and COMMIT are ours)."""
    try:
        raw = psycopg.connect(
            address.url, autocommit=True, application_name=app_name[:63], connect_timeout=CONNECT_TIMEOUT_S,
            keepalives=1, keepalives_idle=3, keepalives_interval=1, keepalives_count=3, client_encoding="UTF8")
    except psycopg.Error as exc:
        raise _connect_error(exc, address) from exc
    try:
        raw.execute(dialect.SEARCH_PATH)
        raw.execute(f"SET lock_timeout = '{LOCK_TIMEOUT}'")
        raw.execute(f"SET idle_in_transaction_session_timeout = '{IDLE_IN_TRANSACTION}'")
        raw.execute("SET default_transaction_isolation = 'read committed'")
    except psycopg.Error as exc:
        raw.close()
        raise explain(exc, address.url) from exc
    return raw


def _connect_error(exc: psycopg.Error, address: ServerAddress) -> ServerError:
    text = str(exc)
    first = (text.strip().splitlines() or ["?"])[-1].strip()
    if "password" in text and ("authentication failed" in text or "no password" in text):
        why = (f"the server wants a password for role {address.user or 'your login name'}: "
               "give it in ~/.pgpass (Windows: %APPDATA%\\postgresql\\pgpass.conf), PGPASSWORD or a service file")
    elif "does not exist" in text and "database" in text:
        why = f"the server has no database {address.database!r}"
    elif "Connection refused" in text or "No such file" in text or "timeout" in text.lower():
        why = "the server is not reachable (not running, or the network is down)"
    else:
        why = first
    return ServerError(f"The server case {address.url} cannot be opened: {why}.", lost=True)


def namespace(raw: psycopg.Connection, address: ServerAddress) -> tuple[int, int]:
    """(our schema's oid, the case format) or a sentence saying this database holds no case."""
    row = raw.execute(
        "SELECT n.oid, obj_description(n.oid, 'pg_namespace') FROM pg_namespace n WHERE nspname = %s",
        [dialect.SCHEMA]).fetchone()
    if row is None:
        raise CaseFileError(f"The database {address.url} holds no bwv-review case (make one with `bwv-review new "
                            f"{address.url}` or `bwv-review push CASE.bwvcase {address.url}`).")
    m = dialect.FORMAT_PATTERN.fullmatch(row[1] or "")
    if not m:
        raise CaseFileError(f"The database {address.url} has a schema {dialect.SCHEMA!r} that is not a bwv-review "
                            "case; it was not opened and has not been changed.")
    version = int(m.group(1))
    if version > schema.VERSION:
        raise CaseFileError(f"The server case {address.url} was written by a newer bwv-review (case format {version}; "
                            f"this version reads up to {schema.VERSION}). Update bwv-review to open it.")
    return row[0], version


def check_schema(raw: psycopg.Connection, address: ServerAddress, ns: int, version: int) -> str:
    """Refuse a case whose schema is not exactly what this version makes; return its fingerprint."""
    try:
        different = catalog.difference(catalog.describe(raw, ns), catalog.expected(raw, version))
        print_ = catalog.fingerprint(raw, ns)
    except psycopg.Error as exc:
        raise explain(exc, address.url) from exc
    if different:
        raise CaseFileError(f"The server case {address.url} contains {different}, so it is not a case as bwv-review "
                            "made it; it was not opened and has not been changed.")
    return print_


class ServerCase(CaseStore):
    """A case in one PostgreSQL database (see the module docstring)."""

    dialect = dialect.POSTGRES

    def __init__(self, address: ServerAddress, raw: psycopg.Connection, readonly: bool, actor: str | None,
                 format_version: int, namespace_oid: int, fingerprint: str):
        self.address = address
        # What messages name and a worker thread opens again (its own connection, same role);
        # never a password (refused in an address).
        self.path = address.url
        self.readonly = readonly
        self.actor = actor
        self.format_version = format_version
        self._namespace = namespace_oid
        self._fingerprint = fingerprint
        self._attach(raw)
        self._key = None
        self._listed: set[str] = set()
        self._schema_cookie = None
        self._signed: tuple[int, str] | None = None
        self._pending: tuple[int, str] | None = None
        self.in_doubt: tuple[int, str] | None = None  # a commit whose answer was lost (see reconnect)
        self._depth = 0  # transactions open (re-entrant)

    def _attach(self, raw: psycopg.Connection) -> None:
        if self.readonly:
            raw.execute("SET default_transaction_read_only = on")
        role = raw.execute("SELECT session_user").fetchone()[0]
        tables = catalog.translated(self.format_version).id_tables()
        self.db = Database(Connection(raw, self.address.url, tables), role)

    @property
    def db_role(self) -> str:
        return self.db.db_role

    @property
    def url(self) -> str:
        return self.address.url

    # -- opening ---------------------------------------------------------------------------------
    @classmethod
    def open(cls, location: str, readonly: bool = False, actor: str | None = None, upgrade: bool = True,
             app_name: str | None = None) -> ServerCase:
        address = parse(location)
        raw = connect(address, app_name or _app_name(actor))
        try:
            ns, version = namespace(raw, address)
            print_ = check_schema(raw, address, ns, version)
            can_read, can_write = raw.execute(
                "SELECT has_schema_privilege(%(ns)s::oid, 'USAGE') AND has_table_privilege((SELECT oid FROM pg_class "
                "WHERE relnamespace = %(ns)s AND relname = 'annotation'), 'SELECT'), has_table_privilege((SELECT oid "
                "FROM pg_class WHERE relnamespace = %(ns)s AND relname = 'audit_head'), 'UPDATE')",
                {"ns": ns}).fetchone()
            if not can_read:
                raise CaseFileError(f"Your database role {address.user or '(your login)'} may not read the server case "
                                    f"{address.url}; ask whoever runs the server to add it to the case's reviewers role.")
            # A role that may read but not write (an auditor) opens read-only, as an unwritable file does.
            readonly = readonly or not can_write or (version < schema.VERSION and not upgrade)
            store = cls(address, raw, readonly, actor, version, ns, print_)
            if version < schema.VERSION and not store.readonly:
                roles.upgrade(store)
        except BaseException:
            raw.close()
            raise
        return store

    @classmethod
    def create(cls, location: str, title: str, reference: str = "", reviewer: str = "",
               timezone: str = "Europe/London", reviewers_role: str | None = None) -> ServerCase:
        """A new case in an empty database, the schema made as the connecting role (its owner)."""
        if not title.strip():
            raise ReviewError("A case needs a title.")
        address = parse(location)
        raw = connect(address, _app_name(reviewer))
        try:
            roles.make_schema(raw, address, schema.VERSION, reviewers_role)
            store = cls.open(location, actor=reviewer or None)
        finally:
            raw.close()
        try:
            case = Case(title=title.strip(), reference=reference.strip(), created=now_iso(),
                        reviewers=[reviewer] if reviewer else [], timezone=timezone)
            store.initialise(case, reviewer)
        except BaseException:
            store.close()
            raise
        return store

    def initialise(self, case: Case, reviewer: str) -> None:
        """As for a case file, after the audit entries a new case file gets from its migration
        steps (one per format after the first, sealed together), so a server case's history
        reads like a file's."""
        if self._row("case_info", 1) is not None:
            raise CaseFileError("This case has its details already; a case is made once (nothing was changed).")
        with self.transaction():
            for number in range(2, self.format_version + 1):
                audit.record(self.db, reviewer or "bwv-review", "case.migrate",
                             detail=f"case format {number - 1} -> {number}")
        super().initialise(case, reviewer)

    # -- writing ---------------------------------------------------------------------------------
    @contextlib.contextmanager
    def transaction(self) -> Iterator[Database]:
        """As for a case file: one user action, committed (and sealed) whole; re-entrant, so a
        write inside an open transaction (a core operation composing several) joins it."""
        if self.readonly:
            raise CaseFileError(f"The server case {self.url} is open read-only; nothing was changed.")
        if self._depth:
            with self._joined() as db:
                yield db
            return
        conn = self.db.conn
        first = self._begin(conn)
        self._depth = 1
        try:
            yield self.db
            if self.format_version >= schema.SIGNED_FROM:
                self._seal(first)
            head = self._pending[0] if self._pending else first
        except BaseException:
            self._rollback()
            raise
        finally:
            self._depth = 0
        self._commit(conn, head if head > first else None)

    def _begin(self, conn: Connection) -> int:
        """BEGIN, hold off any change to our tables' definitions (ROW EXCLUSIVE: what an
        INSERT takes anyway, so reviewers do not wait on each other for it), take the write
        lock, and check the schema is as it was: one round trip. Returns the audit head."""
        if conn.broken:
            raise ServerError(f"The connection to the server case {self.url} is lost; nothing was changed.", lost=True)
        raw = conn.raw
        try:
            with raw.pipeline():
                raw.execute("BEGIN")
                raw.execute(self._table_locks())
                lock = raw.execute(dialect.WRITE_LOCK)
                print_ = raw.execute(catalog.FINGERPRINT, {"ns": self._namespace})
            first, now = lock.fetchone()[0], print_.fetchone()[0]
            if now != self._fingerprint:
                version = namespace(raw, self.address)[1]
                self._fingerprint = check_schema(raw, self.address, self._namespace, version)
        except psycopg.Error as exc:
            self._rollback()
            raise explain(exc, self.url) from exc
        except BaseException:
            self._rollback()
            raise
        return first

    def _table_locks(self) -> str:
        # Every table but the audit log, whose reviewers may only insert some columns (not
        # enough for LOCK TABLE): a trigger planted on it is still caught by the next change.
        names = [t for t in catalog.translated(self.format_version).tables if t != "audit"]
        return f"LOCK TABLE {', '.join(f'{dialect.SCHEMA}.{n}' for n in names)} IN ROW EXCLUSIVE MODE"

    def _commit(self, conn: Connection, head: int | None) -> None:
        """NOTIFY (delivered only once committed) and COMMIT, in one round trip."""
        raw = conn.raw
        try:
            with raw.pipeline():
                if head is not None:
                    raw.execute("SELECT pg_notify(%s, %s)", [dialect.CHANNEL, str(head)])
                raw.execute("COMMIT")
        except psycopg.Error as exc:
            err = explain(exc, self.url)
            if not conn.broken:  # the server answered: it did not commit
                self._rollback()
                raise err from exc
            # The server may have committed before the answer was lost: say so, and keep what
            # was signed so reconnect() can tell (the entry's hash is in the audit or not).
            self.in_doubt, self._pending = self._pending, None
            raise ServerError(f"{err} The server did not confirm the last change; it is checked when the "
                              "connection is back.", lost=True, sqlstate=err.sqlstate) from exc
        self._committed()

    def _rollback(self) -> None:
        self._pending = None
        conn = self.db.conn
        if not conn.broken and conn.in_transaction:
            with contextlib.suppress(psycopg.Error):
                conn.raw.execute("ROLLBACK")

    @contextlib.contextmanager
    def snapshot(self) -> Iterator[None]:
        """Reads that must agree with each other (verify, an export) see one committed state."""
        raw = self.db.conn.raw
        if self.db.conn.in_transaction:
            yield
            return
        try:
            raw.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        except psycopg.Error as exc:
            raise explain(exc, self.url) from exc
        try:
            yield
        finally:
            if not self.db.conn.broken:
                with contextlib.suppress(psycopg.Error):
                    raw.execute("COMMIT")

    # -- the connection --------------------------------------------------------------------------
    @property
    def connected(self) -> bool:
        return not self.db.conn.broken

    def reconnect(self) -> bool | None:
        """Connect again after the connection was lost (checking the schema again). Returns
        whether a change whose commit was in doubt is in the case (None: there was none)."""
        raw = connect(self.address, _app_name(self.actor))
        try:
            ns, version = namespace(raw, self.address)
            self._fingerprint = check_schema(raw, self.address, ns, version)
        except BaseException:
            raw.close()
            raise
        with contextlib.suppress(psycopg.Error):
            self.db.conn.raw.close()
        self._namespace = ns
        self._attach(raw)
        doubt, self.in_doubt = self.in_doubt, None
        if doubt is None:
            return None
        row = self.db.execute("SELECT hash FROM audit WHERE seq = ?", [doubt[0]]).fetchone()
        landed = row is not None and row[0] == doubt[1]
        if landed:
            self._pending = doubt
            self._committed()
        return landed

    def close(self) -> None:
        if self._signed is not None and self._key is not None and self.connected:
            with contextlib.suppress(ReviewError):
                cid = witness.case_id(self.db)
                if cid:
                    witness.remember(cid, *self._signed, self.path, self._key.fingerprint)
            self._signed = None
        with contextlib.suppress(psycopg.Error):
            self.db.conn.close()

    def data_version(self) -> int:
        """The audit head's number: it changes with every change anyone commits."""
        return audit.head(self.db)[0]

    # -- footage on shared storage ---------------------------------------------------------------
    @property
    def folder(self) -> Path:
        """This desktop's media folder for the case (where its footage paths start)."""
        return footage_paths.server_root(self.address.key) or Path.cwd()

    def stored_path(self, footage: Path) -> str:
        return footage_paths.stored_server_path(self.address.key, self.url, footage)

    def footage_path(self, exhibit: Exhibit) -> Path:
        return footage_paths.resolve_server(self.address.key, self.url, exhibit.path, f"exhibit {exhibit.ref}")


def _app_name(actor: str | None) -> str:
    name = "".join(ch for ch in (actor or "") if ch.isprintable() and ch.isascii())
    return f"bwv-review: {name}" if name else "bwv-review"
