"""Seeing other reviewers: their changes as they commit (LISTEN/NOTIFY), and who is present.

Every write transaction on a server case ends with ``NOTIFY bwv_review_case, '<audit head>'``,
which the server delivers to listeners only once it has committed. ``Listener`` holds its
own connection (a window's writes never wait behind it) and hands back the new heads; the
entries after the last one seen (``audit.entries_since``) say what changed, by whom (the
name they gave and the database role the server recorded). A notice carries no data, only
"look again": anyone able to connect could send one, and all it can do is make a window
read the audit log again.

The listener's connection is also how a dropped connection is noticed at once: a server
that stops closes it, and TCP keepalives (a few seconds) catch a network that went quiet.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

import psycopg

from .. import dialect
from .case import ServerCase, connect
from .connection import ServerError, explain


class Listener:
    def __init__(self, store: ServerCase):
        self.address = store.address
        self.raw = connect(self.address, "bwv-review (live)")
        try:
            self.raw.execute(f"LISTEN {dialect.CHANNEL}")
        except psycopg.Error as exc:
            self.raw.close()
            raise explain(exc, self.address.url) from exc

    def wait(self, timeout: float) -> list[int]:
        """The audit heads committed since the last call (waiting up to ``timeout`` seconds for
        the first); ServerError with ``lost`` when the connection has gone."""
        heads: list[int] = []
        try:
            for note in self.raw.notifies(timeout=timeout, stop_after=1):
                heads.append(note.payload)
            for note in self.raw.notifies(timeout=0.001):
                heads.append(note.payload)
            if not heads:
                self.raw.execute("SELECT 1")  # a quiet connection may be a dead one: ask
        except psycopg.Error as exc:
            raise ServerError(f"The connection to the server case {self.address.url} was lost ({exc}).",
                              lost=True) from exc
        return sorted({int(h) for h in heads if h.isdigit()})

    def close(self) -> None:
        with contextlib.suppress(psycopg.Error):
            self.raw.close()


@dataclass(frozen=True)
class Person:
    role: str  # the database role, as the server knows it
    name: str  # the name their bwv-review gave (set by them: shown, never trusted)
    since: str


def present(store: ServerCase) -> list[Person]:
    """Everyone with the case open, one line per role and name (this connection left out)."""
    try:
        rows = store.db.conn.raw.execute(
            "SELECT usename, application_name, min(backend_start) FROM pg_stat_activity WHERE datname = "
            "current_database() AND application_name LIKE 'bwv-review%%' AND pid <> pg_backend_pid() "
            "AND application_name <> 'bwv-review (live)' GROUP BY usename, application_name ORDER BY 3").fetchall()
    except psycopg.Error as exc:
        raise explain(exc, store.url) from exc
    out = []
    for role, app, since in rows:
        name = app.partition(": ")[2] if ": " in app else ""
        out.append(Person(role or "?", name, since.isoformat(timespec="seconds") if since else ""))
    return out
