"""Where a case is opened or made: a case file, or a case on a PostgreSQL server.

Every front end (the command line, the window) goes through here, so wherever a case file
is taken, a server case's address (``postgresql://[user@]host[:port]/database``) is too.
psycopg is imported only when an address is given.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from .pg.url import is_server

if TYPE_CHECKING:  # the store (sqlite-utils) and psycopg load only when a case is opened
    from .store import CaseStore

__all__ = ["create_case", "is_server", "open_case", "describe"]


def open_case(location: str | Path, readonly: bool = False, actor: str | None = None,
              upgrade: bool = True) -> CaseStore:
    if is_server(location):
        from .pg.case import ServerCase  # noqa: PLC0415 - psycopg only for server cases

        return ServerCase.open(str(location), readonly=readonly, actor=actor, upgrade=upgrade)
    from .store import CaseStore  # noqa: PLC0415

    return CaseStore.open(Path(location), readonly=readonly, actor=actor, upgrade=upgrade)


def create_case(location: str | Path, title: str, reference: str = "", reviewer: str = "",
                timezone: str = "Europe/London", reviewers_role: str | None = None) -> CaseStore:
    if is_server(location):
        from .pg.case import ServerCase  # noqa: PLC0415

        return ServerCase.create(str(location), title, reference, reviewer, timezone, reviewers_role)
    from .store import CaseStore  # noqa: PLC0415

    return CaseStore.create(Path(location), title, reference, reviewer, timezone)


def describe(store: CaseStore) -> str:
    """How a message names the case: its file, or its server address."""
    return getattr(store, "url", None) or str(store.path)
