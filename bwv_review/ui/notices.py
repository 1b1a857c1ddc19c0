"""Another reviewer's change on screen as soon as it is committed (server cases).

Every write to a server case ends with a NOTIFY that the server delivers once it is
committed (core/pg/live.py). A thread of our own waits for those on its own connection and,
for each, asks the session to look at the audit log now, instead of at the next once-a-second
check; the change set then reaches the views by the usual road. If the server goes away the
thread keeps trying once a second (the session says so, and reconnects, on its own).
"""

from __future__ import annotations

import threading

from PySide6.QtCore import QObject, Signal

from ..core.errors import ReviewError
from .tasks import hold_gui_collection, release_gui_collection

RETRY_S = 1.0
WAIT_S = 0.5  # how long one wait lasts, so closing the case never waits longer than this


class Notices(QObject):
    heard = Signal()  # another connection committed a change (emitted from the thread: queued)

    def __init__(self, store, parent: QObject | None = None):
        super().__init__(parent)
        self._store = store
        self._stop = threading.Event()
        hold_gui_collection()  # garbage is never collected (Qt objects freed) in this thread
        self._thread = threading.Thread(target=self._run, name="bwv-review notices", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        from ..core.pg.live import Listener  # psycopg: server cases only

        listener = None
        while not self._stop.is_set():
            try:
                if listener is None:
                    listener = Listener(self._store)
                if listener.wait(timeout=WAIT_S):
                    self.heard.emit()
            except ReviewError:
                if listener is not None:
                    listener.close()
                    listener = None
                self._stop.wait(RETRY_S)
        if listener is not None:
            listener.close()

    def stop(self) -> None:
        if self._stop.is_set():
            return
        self._stop.set()
        self._thread.join(timeout=10)
        release_gui_collection()
