"""A server case's address: ``postgresql://[user@]host[:port]/database`` (one case per database).

A password is never part of it: an address is remembered (recent cases, shell history,
logs, statements), so one holding a password is refused with a sentence saying where
passwords go instead (libpq's own ``~/.pgpass`` / ``%APPDATA%\\postgresql\\pgpass.conf``,
``PGPASSWORD``, or a service file). Only the connection settings below may be given after
``?``; anything else (``options=-c ...`` that would change how the server runs our SQL) is
refused. Parsing needs no driver, so a command given a case file never loads psycopg.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qsl, unquote, urlsplit

from ..errors import CaseFileError

SCHEMES = ("postgresql://", "postgres://")
ALLOWED = {"host", "port", "sslmode", "sslrootcert", "sslcert", "sslkey", "sslcrl", "service",
           "connect_timeout", "target_session_attrs", "gssencmode", "krbsrvname", "hostaddr"}
PASSWORD_HELP = ("put passwords in ~/.pgpass (Windows: %APPDATA%\\postgresql\\pgpass.conf), PGPASSWORD or a "
                 "service file, never in a case address")


def is_server(location: object) -> bool:
    return isinstance(location, str) and location.lower().startswith(SCHEMES)


@dataclass(frozen=True)
class ServerAddress:
    url: str  # as given (it holds no password)
    user: str | None
    host: str
    port: str
    database: str

    @property
    def key(self) -> str:
        """The same case whoever logs in to it: host, port and database (no user)."""
        return f"postgresql://{self.host}:{self.port}/{self.database}"

    def __str__(self) -> str:
        return self.url


def parse(location: str) -> ServerAddress:
    text = location.strip()
    if not is_server(text):
        raise CaseFileError(f"{location!r} is not a server case address (postgresql://[user@]host[:port]/database).")
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as exc:
        raise CaseFileError(f"The server case address {text!r} cannot be read ({exc}).") from exc
    if parts.password is not None:
        raise CaseFileError(f"The server case address holds a password, which was not used: {PASSWORD_HELP}.")
    query = parse_qsl(parts.query, keep_blank_values=True)
    for name, _value in query:
        if name == "password":
            raise CaseFileError(f"The server case address holds a password, which was not used: {PASSWORD_HELP}.")
        if name not in ALLOWED:
            raise CaseFileError(f"The server case address sets {name!r}, which bwv-review does not allow (allowed: "
                                f"{', '.join(sorted(ALLOWED))}).")
    database = unquote(parts.path.lstrip("/"))
    if not database or "/" in database:
        raise CaseFileError(f"The server case address {text!r} names no database; give it as "
                            "postgresql://[user@]host[:port]/database (one case per database).")
    params = dict(query)
    netloc = parts.netloc.rpartition("@")[2]
    if netloc.startswith("["):
        host = netloc[1:netloc.find("]")]
    else:
        host = netloc.rsplit(":", 1)[0] if ":" in netloc else netloc
    host = unquote(host) or params.get("host", "")
    return ServerAddress(text, unquote(parts.username) if parts.username else None, host or "localhost",
                         str(port or params.get("port", 5432)), database)
