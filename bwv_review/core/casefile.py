"""Opening a case file: the checks made before anything may run on it, how it is
connected, and its write transactions (each one signed).

A case file is only what the app made. Before any statement that could run SQL stored in
the file (a trigger, a view, an expression in an index or a default), its whole
``sqlite_schema`` is compared with what this version's migration steps make for its
format (``schema.expected_schema``); anything else is refused with one sentence naming
it, and the file is left untouched. Not SQLite, not a case file, damaged, or written by a
newer bwv-review: refused the same way.

Every connection also sets ``trusted_schema=OFF``, so even SQL that slipped past the
check could not call functions with side effects.
"""

from __future__ import annotations

import contextlib
import os
import re
import sqlite3
import stat
from collections.abc import Iterator
from pathlib import Path

from sqlite_utils import Database

from . import audit, backup, keys, schema, seals, witness
from .errors import NOT_TEXT, CaseFileError, ReviewError

BUSY_TIMEOUT_S = 30.0
_SQLITE_MAGIC = b"SQLite format 3\x00"


def harden(conn: sqlite3.Connection) -> sqlite3.Connection:
    conn.execute("PRAGMA trusted_schema = OFF")
    return conn


class _Connection(sqlite3.Connection):
    """A connection that can say how it was opened (sqlite3.Connection takes no attributes)."""

    _bwv_immutable = False


def connect(path: Path, readonly: bool, immutable: bool = False) -> sqlite3.Connection:
    """``immutable``: read the file as it is on disk, without the -wal/-shm files SQLite
    otherwise makes beside it (only safe when no -wal exists, i.e. nobody has it open)."""
    if readonly:
        uri = path.resolve().as_uri() + ("?mode=ro&immutable=1" if immutable else "?mode=ro")
        conn = _Connection(uri, uri=True, timeout=BUSY_TIMEOUT_S, check_same_thread=False)
        conn._bwv_immutable = immutable
        harden(conn).execute("PRAGMA query_only = ON")
        return conn
    return harden(sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_S, check_same_thread=False))


# -- the schema check --------------------------------------------------------------------------
# SQL text is compared token by token: whitespace, comments and the quoting of identifiers
# do not matter (sqlite-utils has quoted them differently over the years); everything else
# does, including the case of string literals. Whitespace and the case of identifiers are
# SQLite's own: ASCII only. (Python's \s takes a no-break space, which SQLite reads as part of a
# name: '"id"<U+00A0>INTEGER PRIMARY KEY' would pass as ours, yet id would no longer be the row's
# key; casefold() folds e.g. a long s to s, so a twin table could hide behind one of ours.)
_TOKENS = re.compile(
    r"""(?P<space>[ \t\n\f\r]+|--[^\n]*|/\*.*?(?:\*/|\Z))
      |(?P<string>'(?:[^']|'')*')
      |"(?P<dq>(?:[^"]|"")*)"|`(?P<bq>(?:[^`]|``)*)`|\[(?P<sq>[^\]]*)\]
      |(?P<word>[A-Za-z_\x80-\U0010ffff][\w$\x80-\U0010ffff]*)
      |(?P<other>.)""",
    re.VERBOSE | re.DOTALL,
)


def normalise_sql(sql: str | None) -> tuple[str, ...] | None:
    if sql is None:
        return None
    out = []
    for m in _TOKENS.finditer(sql):
        kind = m.lastgroup
        if kind == "space":
            continue
        if kind == "string":
            out.append(m.group())
        elif kind in ("dq", "bq", "sq", "word"):
            ident = m.group(kind).replace('""', '"').replace("``", "`")
            out.append("i:" + _ascii_lower(ident))
        else:
            out.append(m.group())
    return tuple(out)


def _normalised(rows) -> dict[tuple[str, str], tuple]:
    return {(t, _ascii_lower(n or "")): (_ascii_lower(tbl or ""), normalise_sql(sql)) for t, n, tbl, sql in rows}


_ASCII_FOLD = {c: c + 32 for c in range(65, 91)}


def _ascii_lower(name: str) -> str:
    return name.translate(_ASCII_FOLD)


_KIND_ORDER = {"trigger": 0, "view": 1, "table": 2, "index": 3}


def schema_difference(conn: sqlite3.Connection, version: int) -> str | None:
    """What makes this file's schema differ from format ``version``'s, in words; or None."""
    actual = _normalised(conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_master"))
    expected = _normalised(schema.expected_schema(version))
    extra = sorted(actual.keys() - expected.keys(), key=lambda k: (_KIND_ORDER.get(k[0], 9), k[1]))
    if extra:
        kind, name = extra[0]
        return f"a {kind} {name!r} that bwv-review does not make"
    missing = sorted(expected.keys() - actual.keys(), key=lambda k: (_KIND_ORDER.get(k[0], 9), k[1]))
    if missing:
        kind, name = missing[0]
        return f"no {kind} {name!r}, which bwv-review makes"
    for key in sorted(expected, key=lambda k: (_KIND_ORDER.get(k[0], 9), k[1])):
        if actual[key] != expected[key]:
            return f"a {key[0]} {key[1]!r} whose definition differs from the one bwv-review makes"
    return None


def check_schema(conn: sqlite3.Connection, path: Path) -> int:
    """Refuse anything that is not a case file this version can read; return its format.

    Reads only the file header and ``sqlite_schema``: nothing stored in the file runs."""
    try:
        app_id = conn.execute("PRAGMA application_id").fetchone()[0]
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if app_id != schema.APPLICATION_ID or version < 1:
            raise CaseFileError(f"{path} is an SQLite database but not a bwv-review case file.")
        if version > schema.VERSION:
            raise CaseFileError(
                f"{path} was written by a newer bwv-review (case format {version}; this "
                f"version reads up to {schema.VERSION}). Update bwv-review to open it; "
                "the file has not been changed."
            )
        different = schema_difference(conn, version)
    except sqlite3.DatabaseError as exc:
        raise CaseFileError(f"{path} is damaged or not a case file ({exc}); it has not been changed.") from exc
    if different:
        raise CaseFileError(
            f"{path} contains {different}, so it is not a case file as bwv-review made it; it was not "
            "opened and has not been changed."
        )
    return version


def precheck(path: Path) -> int:
    """Refuse a file we must not touch; return its schema version. Opens read-only."""
    if not path.exists():
        raise CaseFileError(f"Case file {path} does not exist.")
    if not path.is_file():
        raise CaseFileError(f"{path} is not a file.")
    if _settled(path):
        # Only then: closing any descriptor of the file drops every POSIX lock this process holds
        # on it, so if a connection of ours had it open, the next program to close the case would
        # take itself for the last one and delete the -wal and -shm under us: what we wrote after
        # that would be private to this process, and another program's changes lost. (With a -wal
        # beside it, SQLite's own "not a database" below says the same.)
        try:
            with path.open("rb") as handle:
                magic = handle.read(len(_SQLITE_MAGIC))
        except OSError as exc:
            raise CaseFileError(f"Case file {path} cannot be read: {exc.strerror}.") from exc
        if magic != _SQLITE_MAGIC:
            raise CaseFileError(f"{path} is not a bwv-review case file (it is not an SQLite database).")
    # With no -wal beside it nobody has the file open, so it is read as it stands and nothing at
    # all is created next to a file that may be refused. (Whatever is opened next is checked again.)
    try:
        conn = connect(path, readonly=True, immutable=_settled(path))
    except sqlite3.DatabaseError as exc:
        raise CaseFileError(f"{path} is damaged or not a case file ({exc}); it has not been changed.") from exc
    try:
        version = check_schema(conn, path)
        try:
            check = conn.execute("PRAGMA quick_check").fetchone()[0]
        except sqlite3.DatabaseError as exc:
            check = str(exc)
        if check != "ok":
            raise CaseFileError(f"{path} is damaged ({check}); it has not been changed. Open a backup copy.")
    finally:
        conn.close()
    return version


def why(exc: sqlite3.Error) -> str:
    text = str(exc)
    if "full" in text:
        return "the disk is full"
    if "locked" in text or "busy" in text:
        return "another program is holding the case file"
    if "readonly" in text or "read-only" in text:
        return "the case file cannot be written"
    return text


def _settled(path: Path) -> bool:
    """No -wal beside it: nobody has the file open, and it is whole as it stands on disk."""
    return not Path(str(path) + "-wal").exists()


def _identity(path: Path) -> tuple:
    st = path.stat()
    return (st.st_size, st.st_mtime_ns, st.st_ino, _settled(path))


def _is_immutable(conn: sqlite3.Connection) -> bool:
    return getattr(conn, "_bwv_immutable", False)


def _copy_in_memory(conn: sqlite3.Connection, path: Path) -> sqlite3.Connection:
    """The whole database in memory. Read without locks (and without making -wal/-shm files)
    when nobody had it open; if it changed meanwhile, read it again the usual way."""
    copy = harden(sqlite3.connect(":memory:", check_same_thread=False, isolation_level=None))
    before = _identity(path) if _is_immutable(conn) else None
    conn.backup(copy)
    conn.close()
    if before is not None and _identity(path) != before:
        conn = connect(path, readonly=True)
        check_schema(conn, path)
        conn.backup(copy)
        conn.close()
    return copy


def _refuse_downgraded(store: CaseFile, version: int) -> None:
    """Upgrading an unsigned format signs every entry as it stands with this reviewer's key. A
    case this computer has signed before cannot be in an unsigned format unless someone took the
    signatures out (and may have rewritten the log): never launder that with our key."""
    if version >= schema.SIGNED_FROM:
        return
    problems = witness.check(store.db, store.path)
    if problems:
        raise CaseFileError(
            f"{store.path} is in an older, unsigned case format ({version}), yet this computer signed this case "
            f"before: {problems[0]} It was not upgraded (upgrading would sign it with your key as it stands); "
            "the file has not been changed.")


def _writable(path: Path) -> bool:
    # The read-only flag counts even for an administrator who could write anyway, and
    # SQLite needs to create the -wal file beside the case.
    return (
        os.access(path, os.W_OK)
        and bool(path.stat().st_mode & stat.S_IWRITE)
        and os.access(path.parent, os.W_OK)
    )


class CaseFile:
    """A case file opened for reading and writing (or read-only).

    ``format_version`` is the format of the file on disk; when it is older than this
    version's and the store is read-only, ``db`` is an upgraded copy in memory (the file
    itself is never written by a read-only open: ``needs_upgrade`` says so).
    """

    def __init__(self, path: Path, conn: sqlite3.Connection, readonly: bool, actor: str | None = None,
                 format_version: int | None = None):
        self.path = path
        self.folder = path.parent
        self.readonly = readonly
        self.actor = actor
        self.format_version = schema.VERSION if format_version is None else format_version
        self.db = Database(conn)
        self._key = None
        self._listed: set[str] = set()
        self._schema_cookie: int | None = None
        self._signed: tuple[int, str] | None = None  # the newest (entry, hash) this store signed and committed
        self._pending: tuple[int, str] | None = None  # signed in the transaction not yet committed
        self._depth = 0  # open transaction() blocks (nested ones join the outermost)
        if not readonly:
            self._configure()  # WAL, full sync, foreign keys: before anything is written

    @property
    def needs_upgrade(self) -> bool:
        return self.format_version < schema.VERSION

    @classmethod
    def open(cls, path: Path | str, readonly: bool = False, actor: str | None = None,
             upgrade: bool = True) -> CaseFile:
        """Open a case file, refusing (untouched) anything that is not a case as this app makes it.

        Read-only opens never write the file: an older format is read through an upgraded
        copy in memory. A writable open upgrades an older format (audited and signed as
        ``actor``, with a copy kept beside it) unless ``upgrade`` is False, in which case it
        is opened read-only through the in-memory copy and ``needs_upgrade`` is True.
        """
        path = Path(path)
        version = precheck(path)
        if readonly or not _writable(path) or (version < schema.VERSION and not upgrade):
            return cls._open_readonly(path, actor)
        conn = connect(path, readonly=False)
        try:
            version = check_schema(conn, path)  # again, on the connection used: the file may have been swapped
            store = cls(path, conn, False, actor, version)
            backup.daily_backup(conn, path)
            store.upgrade(actor)
        except sqlite3.OperationalError as exc:
            conn.close()
            raise CaseFileError(f"Case file {path} cannot be opened for writing: {exc}.") from exc
        except BaseException:
            conn.close()
            raise
        return store

    def upgrade(self, actor: str | None) -> None:
        """Bring a writable store opened on an older format up to this version's (audited and
        signed as ``actor``, a copy kept beside the file first), then remember the schema as
        it now stands, so a schema changed behind the store's back is noticed."""
        version = self.format_version
        if version < schema.VERSION:
            _refuse_downgraded(self, version)
            schema.backup_before_migration(self.db, self.path, version)
            schema.migrate(self.db, actor=actor or "bwv-review", seal=self._seal)
            self._committed()
            self.format_version = schema.VERSION
        self._schema_cookie = self._cookie()

    @classmethod
    def _open_readonly(cls, path: Path, actor: str | None) -> CaseFile:
        conn = connect(path, readonly=True, immutable=_settled(path))
        try:
            version = check_schema(conn, path)
            if version < schema.VERSION:
                # Upgrade a copy in memory, never the file: an evidence file being read stays as it is.
                conn = _copy_in_memory(conn, path)
                check_schema(conn, path)
                schema.migrate(Database(conn), actor=actor or "bwv-review")
                conn.execute("PRAGMA query_only = ON")
            elif _is_immutable(conn):
                conn.close()  # current format: read it live, so changes by others are seen
                conn = connect(path, readonly=True)
                version = check_schema(conn, path)
        except BaseException:
            conn.close()
            raise
        return cls(path, conn, True, actor, version)

    def _configure(self) -> None:
        conn = self.db.conn
        conn.isolation_level = None  # we issue BEGIN IMMEDIATE / COMMIT ourselves
        mode = conn.execute("PRAGMA journal_mode=WAL").fetchone()[0]
        if mode.lower() != "wal":
            raise CaseFileError(f"Case file {self.path} cannot use write-ahead logging ({mode}).")
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute("PRAGMA foreign_keys=ON")

    def close(self) -> None:
        if self._signed is not None and self._key is not None:
            with contextlib.suppress(sqlite3.Error):
                cid = witness.case_id(self.db)
                if cid:
                    witness.remember(cid, *self._signed, self.path, self._key.fingerprint)
            self._signed = None
        self.db.conn.close()

    def __enter__(self) -> CaseFile:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _cookie(self) -> int:
        return self.db.conn.execute("PRAGMA schema_version").fetchone()[0]

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Database]:
        """One user action: everything inside commits together, with its audit rows and the
        signed seal over them.

        Re-entrant: a write method called inside an open transaction (a core operation
        composing several writes) joins it, so the operation commits, and is sealed, whole.
        """
        if self.readonly:
            raise CaseFileError(f"Case file {self.path} is open read-only; nothing was changed.")
        if self._depth:
            with self._joined() as db:
                yield db
            return
        conn = self.db.conn
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise CaseFileError(f"Case file {self.path} cannot be written now ({why(exc)}); try again.") from exc
        self._depth = 1
        try:
            self._check_unchanged_schema()
            first = audit.head(self.db)[0]
            yield self.db
            if self.format_version >= schema.SIGNED_FROM:
                self._seal(first)
            conn.execute("COMMIT")
            self._committed()
        except sqlite3.Error as exc:
            self._rollback()
            raise CaseFileError(f"The change could not be saved ({why(exc)}); nothing was changed.") from exc
        except UnicodeEncodeError as exc:  # e.g. bytes that were not UTF-8, passed on as surrogates
            self._rollback()
            raise ReviewError(NOT_TEXT) from exc
        except BaseException:
            self._rollback()
            raise
        finally:
            self._depth = 0

    @contextlib.contextmanager
    def _joined(self) -> Iterator[Database]:
        """A write inside an open transaction: it joins it (both engines)."""
        self._depth += 1
        try:
            yield self.db
        finally:
            self._depth -= 1

    @contextlib.contextmanager
    def snapshot(self) -> Iterator[None]:
        """Reads that must agree with each other (verify, an export) see one committed state,
        even while another program writes to the case."""
        conn = self.db.conn
        if conn.in_transaction:
            yield
            return
        conn.execute("BEGIN")
        try:
            yield
        finally:
            with contextlib.suppress(sqlite3.Error):
                conn.execute("COMMIT")

    def _check_unchanged_schema(self) -> None:
        """Another program may have changed the schema since we opened (a trigger planted
        while the window is open): the write lock is held, so check it again now."""
        cookie = self._cookie()
        if cookie != self._schema_cookie:
            if self._schema_cookie is not None:
                check_schema(self.db.conn, self.path)
            self._schema_cookie = cookie

    def _seal(self, after_seq: int, name: str | None = None) -> None:
        """Sign the audit entries this transaction wrote (see seals.py)."""
        if self._key is None:
            if audit.head(self.db)[0] <= after_seq:
                return
            self._key = keys.load_or_create()
            self._listed = seals.listed(self.db)
        if seals.seal(self.db, self._key, after_seq, self._listed, name):
            self._pending = audit.head(self.db)

    def _committed(self) -> None:
        """What was signed is now on disk: only then may this computer remember it."""
        if self._pending is not None:
            self._signed, self._pending = self._pending, None

    def _rollback(self) -> None:
        self._pending = None
        conn = self.db.conn
        if conn.in_transaction:
            with contextlib.suppress(sqlite3.Error):  # SQLite rolls back itself if this fails
                conn.execute("ROLLBACK")
