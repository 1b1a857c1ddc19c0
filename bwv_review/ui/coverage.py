"""Review coverage: which seconds of an exhibit this reviewer has watched, and how fast.

The player reports stretches it has shown (``watched(from_ms, to_ms, speed)``). They are
gathered here and written in one transaction every few seconds (and when the exhibit or
case closes), never one write per frame.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal

from ..core.errors import ReviewError

if TYPE_CHECKING:  # the case file (sqlite_utils) loads when a case opens
    from ..core.store import CaseStore

log = logging.getLogger(__name__)
FLUSH_MS = 3000


def seconds_in(from_ms: int, to_ms: int) -> range:
    """Whole seconds touched by a watched stretch (a second counts once any part is seen)."""
    lo, hi = sorted((int(from_ms), int(to_ms)))
    if hi <= lo:
        return range(0)
    return range(lo // 1000, (hi - 1) // 1000 + 1)


class CoverageRecorder(QObject):
    changed = Signal(int, object)  # exhibit id, {second: slowest speed} for this reviewer

    def __init__(self, store: CaseStore, reviewer: Callable[[], str], parent=None):
        super().__init__(parent)
        self.store = store
        self.reviewer = reviewer
        self.exhibit_id: int | None = None
        self._pending: dict[float, set[int]] = {}
        self._timer = QTimer(self, interval=FLUSH_MS)
        self._timer.timeout.connect(self.flush)

    def set_exhibit(self, exhibit_id: int | None) -> None:
        self.flush()
        self.exhibit_id = exhibit_id

    def on_watched(self, from_ms: int, to_ms: int, speed: float) -> None:
        if self.exhibit_id is None:
            return
        self._pending.setdefault(round(float(speed), 3), set()).update(seconds_in(from_ms, to_ms))
        if not self._timer.isActive():
            self._timer.start()

    def flush(self) -> None:
        self._timer.stop()
        pending, self._pending = self._pending, {}
        if self.exhibit_id is None or not pending or self.store.readonly:
            return
        try:
            for speed, seconds in pending.items():
                self.store.record_coverage(self.exhibit_id, self.reviewer(), sorted(seconds), speed)
        except ReviewError as exc:  # busy file: not evidence, so log and try again next time
            log.warning("coverage not saved yet: %s", exc)
            for speed, seconds in pending.items():
                self._pending.setdefault(speed, set()).update(seconds)
            self._timer.start()
            return
        self.changed.emit(self.exhibit_id, self.current(self.exhibit_id))

    def current(self, exhibit_id: int) -> dict:
        return self.store.coverage(exhibit_id, self.reviewer())
