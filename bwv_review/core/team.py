"""A review session on a server case: the connection, the outbox, and who else is there.

Qt-free, used by ``session.Session`` when its case is on a PostgreSQL server. A reviewer
whose connection drops is told at once (a ``CONNECTION`` event with the sentence; "" when
it is back); whatever they change meanwhile is kept on their computer (core/outbox.py) and
sent, in order, when the session reconnects, which it tries at every poll. Every few polls
a ``PRESENT`` event says who else has the case open (database roles, as the server knows
them, with the names their bwv-review gave).
"""

from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING

from .errors import ReviewError
from .outbox import Change, Outbox

if TYPE_CHECKING:
    from .model import Annotation
    from .session import Session

CONNECTION = "connection"  # str: why the server cannot be reached now, or "" when it is back
PRESENT = "present"  # str: who else has the case open
PRESENCE_EVERY = 5  # polls (about 5 s in the window)


def lost(exc: BaseException) -> bool:
    return bool(getattr(exc, "lost", False))


class Team:
    def __init__(self, session: Session):
        self.session = session
        self.store = session.store
        self.outbox = Outbox(self.store.address.key)
        self.offline = False
        self._polls = 0

    def went_away(self, exc: BaseException) -> None:
        if not self.offline:
            self.offline = True
            self.session._tell(CONNECTION, (
                f"Not connected: {exc} Everything saved before is on the server. Changes you make now are kept "
                "on this computer and sent when it is back; trying to reconnect every second."))

    def keep(self, kind: str, annotation: Annotation | None, changes: dict, exc: BaseException) -> bool:
        """Keep a change the server could not take; False if it is not one the outbox keeps."""
        if annotation is None:
            return False
        data = asdict(annotation)
        if kind == "add":
            data.pop("id", None)
        change = Change(kind, self.session.reviewer, annotation=data if kind == "add" else None,
                        expected=data if kind != "add" else None, changes=dict(changes))
        doubt = getattr(self.store, "in_doubt", None)
        change.landed_if = list(doubt) if doubt else None
        self.outbox.keep(change)
        self.went_away(exc)
        self.session._tell("message", "Not on the server yet: your change is kept on this computer and sent when "
                                      "the connection is back.")
        return True

    def poll(self) -> bool:
        """Before the session's own poll: reconnect if need be (sending what was kept), and
        now and then say who is present. False while the server cannot be reached."""
        if self.offline:
            try:
                self.store.reconnect()
            except ReviewError:
                return False
            self.offline = False
            self.session._tell(CONNECTION, "")
            self.send()
            return True
        if not self.outbox.pending() and self._polls % PRESENCE_EVERY == 0:
            self._present()
        elif self.outbox.pending():
            self.send()  # left from a session that ended offline
        self._polls += 1
        return True

    def send(self) -> None:
        try:
            sent, refused = self.outbox.send(self.store)
        except ReviewError as exc:
            self.session._tell("error", str(exc))
            return
        if sent:
            self.session._tell("message", f"{sent} change(s) made while offline were saved on the server.")
        if refused:
            self.session._tell("error", " ".join(refused))

    def _present(self) -> None:
        from .pg.live import present  # noqa: PLC0415 - psycopg: server cases only

        try:
            people = present(self.store)
        except ReviewError as exc:
            if lost(exc):
                self.went_away(exc)
            return
        names = [f"{p.name} ({p.role})" if p.name and p.name != p.role else p.role for p in people]
        self.session._tell(PRESENT, f"Also here: {', '.join(names)}" if names else "Nobody else has this case open")
