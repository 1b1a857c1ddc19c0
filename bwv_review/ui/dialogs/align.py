"""Align cameras by sound: find where one exhibit sits on another's clock, check it by eye
and ear, nudge it, and store it (audited).

The offset is found off the GUI thread (``core.align.align_files``, with progress and
Cancel). Both waveforms are drawn one above the other, lined up at the offset, and two
small players show the two pictures at the same clock instant, so a reviewer can see a door
close or a hand move at the same moment on both before applying. When the recordings do not
clearly share sound the dialog says so and starts from 0 for lining up by hand; it never
offers a guess as if it were a match.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QLineF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPalette
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLayout,
    QProgressBar,
    QPushButton,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from ...core import align as aligning
from ...core import audio, operations
from ...core.errors import ReviewError
from ...core.store import CaseStore
from ...core.timecode import format_ms
from ..player.widget import PlayerWidget
from ..tasks import Task, TaskPool

NUDGES = [("\u22121 s", -1000.0), ("\u2212100 ms", -100.0), ("\u22121 frame", None),
          ("+1 frame", None), ("+100 ms", 100.0), ("+1 s", 1000.0)]
WAVE_SPAN_MS = 8000.0  # how much sound the waveforms show around the instant looked at
NO_FOOTAGE = "No footage at this time"


def signed_ms(ms: float) -> str:
    return ("\u2212" if ms < 0 else "+") + format_ms(int(round(abs(ms))))


class WaveformPair(QWidget):
    """The reference's sound above, the exhibit's below, lined up at ``offset_ms`` around
    ``centre_ms`` (reference file time). A click picks the instant to look at."""

    picked = Signal(float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.top = self.bottom = None  # SoundAnalysis (anything with envelope()) or None
        self.labels = ("", "")
        self.offset_ms = 0.0
        self.centre_ms = 0.0
        self.setMinimumHeight(140)
        self.setAccessibleName("Waveforms lined up")

    def set_sounds(self, top, bottom, labels: tuple[str, str]) -> None:
        self.top, self.bottom, self.labels = top, bottom, labels
        self.update()

    def set_view(self, centre_ms: float, offset_ms: float) -> None:
        self.centre_ms, self.offset_ms = centre_ms, offset_ms
        self.update()

    def _row(self, p: QPainter, rect: QRectF, sound, start: float, label: str, colour: QColor) -> None:
        p.fillRect(rect, self.palette().color(QPalette.ColorRole.Base))
        mid = rect.center().y()
        if sound is not None:
            columns = max(1, int(rect.width()))
            mins, maxs = sound.envelope(start, start + WAVE_SPAN_MS, columns)
            half = rect.height() / 2 - 2
            lo = mid - np.clip(np.asarray(maxs, np.float64), -1, 1) * half
            hi = np.maximum(mid - np.clip(np.asarray(mins, np.float64), -1, 1) * half, lo + 1)
            p.setPen(colour)
            p.drawLines([QLineF(rect.left() + x + 0.5, a, rect.left() + x + 0.5, b)
                         for x, (a, b) in enumerate(zip(lo, hi, strict=False))])
        p.setPen(self.palette().color(QPalette.ColorRole.Text))
        p.drawText(rect.adjusted(6, 2, -6, -2), Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop,
                   label if sound is not None else f"{label}: sound not analysed yet")

    def paintEvent(self, _event) -> None:
        p = QPainter(self)
        r = QRectF(self.rect()).adjusted(0, 0, -1, -1)
        h = (r.height() - 4) / 2
        start = self.centre_ms - WAVE_SPAN_MS / 2
        hl = self.palette().color(QPalette.ColorRole.Highlight)
        self._row(p, QRectF(r.left(), r.top(), r.width(), h), self.top, start, self.labels[0], hl)
        self._row(p, QRectF(r.left(), r.top() + h + 4, r.width(), h), self.bottom, start - self.offset_ms,
                  self.labels[1], QColor(hl).darker(130))
        p.setPen(QColor(220, 40, 40))
        p.drawLine(QLineF(r.center().x(), r.top(), r.center().x(), r.bottom()))  # the instant looked at

    def mousePressEvent(self, event) -> None:
        x = event.position().x() / max(1, self.width())
        self.picked.emit(self.centre_ms + (x - 0.5) * WAVE_SPAN_MS)


class AlignDialog(QDialog):
    """Choose the exhibit and the reference, find the offset, check and nudge it, Apply."""

    applied = Signal(str)  # the exhibit whose recording start was stored

    def __init__(self, parent: QWidget | None, store: CaseStore, settings=None,
                 exhibit: str | None = None, reference: str | None = None, actor: str | None = None,
                 pool: TaskPool | None = None, store_start=None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Align cameras by sound")
        self.store = store
        self._actor = actor or (getattr(settings, "reviewer", "") if settings is not None else "") or "unknown"
        self._tz = store.case().timezone
        self._own_pool = pool is None
        self._pool = pool or TaskPool(self)
        # How a start is stored: the review session's undoable operation in the window
        # (returns its change set, or None after saying why); a bare operation otherwise.
        self._store_start = store_start
        self._task: Task | None = None
        self.offset_ms = 0.0
        self.found: aligning.Alignment | None = None  # what the sound said (None: by hand)
        self.look_ms = 0.0  # the reference's file time both pictures show

        self.exhibit_box, self.reference_box = QComboBox(self), QComboBox(self)
        for ex in store.exhibits():
            self.exhibit_box.addItem(ex.ref)
        self.find_button = QPushButton("Find offset by sound", self)
        self.progress = QProgressBar(self)
        self.cancel_button = QPushButton("Cancel", self)
        self.status = QLabel(self)
        self.status.setWordWrap(True)
        self.waves = WaveformPair(self)
        self.players = (PlayerWidget(self), PlayerWidget(self))
        self.titles = (QLabel(self), QLabel(self))
        self.look_bar = QSlider(Qt.Orientation.Horizontal, self)
        self.look_bar.setAccessibleName("Instant looked at")
        self.offset_label = QLabel(self)
        self.nudge_buttons = [QPushButton(text, self) for text, _ in NUDGES]
        self.apply_button = QPushButton("Apply", self)
        self.close_button = QPushButton("Close", self)
        for button in (self.find_button, self.cancel_button, self.apply_button, self.close_button, *self.nudge_buttons):
            button.setAutoDefault(False)  # Enter must not re-run a search or store a start unasked
        self._lay_out()

        if exhibit:
            self.exhibit_box.setCurrentText(exhibit)
        elif any(not e.recording_start for e in store.exhibits()):
            self.exhibit_box.setCurrentText(next(e.ref for e in store.exhibits() if not e.recording_start))
        else:  # every start known: check the last camera against the first, as they were added
            self.exhibit_box.setCurrentIndex(self.exhibit_box.count() - 1)
        self._fill_references(reference)
        self.exhibit_box.currentIndexChanged.connect(lambda _i: self._fill_references(None))
        self.reference_box.currentIndexChanged.connect(lambda _i: self._pair_changed())
        self.find_button.clicked.connect(self.find)
        self.cancel_button.clicked.connect(self.cancel)
        self.look_bar.valueChanged.connect(lambda v: self.look_at(float(v)))
        self.waves.picked.connect(self.look_at)
        for button, (_text, step) in zip(self.nudge_buttons, NUDGES, strict=True):
            button.clicked.connect(lambda _c=False, s=step, t=_text: self.nudge(s if s is not None else (
                -self._frame_ms() if t.startswith("\u2212") else self._frame_ms())))
        self.apply_button.clicked.connect(self.apply)
        self.close_button.clicked.connect(self.reject)

    def _lay_out(self) -> None:
        for player in self.players:
            player.transport.hide()
        pick = QHBoxLayout()
        pick.addWidget(QLabel("Line up"))
        pick.addWidget(self.exhibit_box)
        pick.addWidget(QLabel("on the clock of"))
        pick.addWidget(self.reference_box)
        pick.addWidget(self.find_button)
        pick.addWidget(self.progress, 1)
        pick.addWidget(self.cancel_button)
        views = QGridLayout()
        for i, (title, player) in enumerate(zip(self.titles, self.players, strict=True)):
            views.addWidget(title, 0, i)
            views.addWidget(player, 1, i)
        nudge = QHBoxLayout()
        nudge.addWidget(self.offset_label, 1)
        for button in self.nudge_buttons:
            nudge.addWidget(button)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.apply_button)
        buttons.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.setSizeConstraint(QLayout.SizeConstraint.SetNoConstraint)  # quiet on offscreen platforms
        layout.addLayout(pick)
        layout.addWidget(self.status)
        layout.addWidget(self.waves)
        layout.addLayout(views, 1)
        look = QHBoxLayout()
        look.addWidget(QLabel("Look at (the reference's file time):"))
        look.addWidget(self.look_bar, 1)
        layout.addLayout(look)
        layout.addLayout(nudge)
        layout.addLayout(buttons)
        self.resize(1200, 760)

    # -- the pair -------------------------------------------------------------------------------
    def _fill_references(self, wanted: str | None) -> None:
        ref = self.exhibit_box.currentText()
        self.reference_box.blockSignals(True)
        self.reference_box.clear()
        self.reference_box.addItems([e.ref for e in self.store.exhibits() if e.ref != ref and e.recording_start])
        if wanted:
            self.reference_box.setCurrentText(wanted)
        self.reference_box.blockSignals(False)
        self._pair_changed()

    def pair(self):
        ref, ref2 = self.exhibit_box.currentText(), self.reference_box.currentText()
        if not ref or not ref2:
            return None
        return self.store.exhibit(ref), self.store.exhibit(ref2)

    def _pair_changed(self) -> None:
        self.cancel()
        self.found = None
        pair = self.pair()
        self.find_button.setEnabled(pair is not None)
        self.apply_button.setEnabled(False)
        if pair is None:
            self.status.setText("Choose an exhibit and a reference exhibit whose recording start is known "
                                "(set one start first, from the camera's metadata or by hand).")
            return
        ex, ref = pair
        self.titles[0].setText(f"<b>{ref.ref}</b> (reference)")
        self.titles[1].setText(f"<b>{ex.ref}</b>")
        try:
            paths = [self.store.footage_path(e) for e in (ref, ex)]
        except ReviewError as exc:  # a stored path this computer will not follow: nothing to line up
            self.find_button.setEnabled(False)
            self.status.setText(str(exc))
            return
        for player, e, path in zip(self.players, (ref, ex), paths, strict=True):
            player.load(path, e.sha256, e.ref, ref.recording_start, self._tz)
        self.look_bar.blockSignals(True)
        self.look_bar.setRange(0, max(0, ref.duration_ms - 1))
        self.look_bar.blockSignals(False)
        self.waves.set_sounds(audio.cached_analysis(ref.sha256), audio.cached_analysis(ex.sha256), (ref.ref, ex.ref))
        self._set_offset(self._known_offset(ex, ref), look=None)
        self.find()

    def _known_offset(self, ex, ref) -> float:
        """Where the exhibit already sits on the reference's clock, or 0 (by hand from nothing)."""
        if ex.recording_start and ref.recording_start:
            from ...core.timecode import parse_instant  # noqa: PLC0415

            return (parse_instant(ex.recording_start) - parse_instant(ref.recording_start)).total_seconds() * 1000
        return 0.0

    def _frame_ms(self) -> float:
        pair = self.pair()
        fps = pair[0].fps if pair and pair[0].fps else 25.0
        return 1000.0 / fps

    # -- finding the offset --------------------------------------------------------------------
    def find(self) -> None:
        pair = self.pair()
        if pair is None:
            return
        self.cancel()
        ex, ref = pair
        try:
            paths = (self.store.footage_path(ex), ex.sha256, self.store.footage_path(ref), ref.sha256)
        except ReviewError as exc:
            self.status.setText(str(exc))
            return

        def work(progress, cancelled):
            try:
                return aligning.align_files(*paths, progress=progress, cancel=cancelled)
            except aligning.NoSharedSound as exc:
                return exc  # not a failure: an answer the reviewer must see

        task = self._task = Task(work, "align by sound")
        task.progress.connect(lambda d, t: (self.progress.setMaximum(max(1, t)), self.progress.setValue(d)))
        task.succeeded.connect(self._on_found)
        task.failed.connect(lambda text, t=task: t is self._task and self.status.setText(text))
        task.cancelled.connect(lambda t=task: t is self._task and self.status.setText(
            "Alignment cancelled: nudge by hand, or find again."))
        task.done.connect(self._on_done)
        self.progress.setRange(0, 0)
        self._busy(True)
        self.status.setText(f"Listening to {ex.ref} and {ref.ref} for the sound they share\u2026")
        self._pool.start(task, report_failure=False)  # failures are said in the dialog

    def cancel(self) -> None:
        if self._task is not None:
            self._task.cancel()

    def is_busy(self) -> bool:
        return self._task is not None

    def _busy(self, busy: bool) -> None:
        self.progress.setVisible(busy)
        self.cancel_button.setVisible(busy)
        self.find_button.setEnabled(not busy and self.pair() is not None)

    def _on_done(self) -> None:
        if self.sender() is self._task:
            self._task = None
            self._busy(False)
        self.apply_button.setEnabled(self.pair() is not None and not self.store.readonly)

    def _on_found(self, result) -> None:
        if self.sender() is not self._task:
            return  # an answer for a pair no longer chosen
        ex, ref = self.pair()
        self.waves.set_sounds(audio.cached_analysis(ref.sha256), audio.cached_analysis(ex.sha256), (ref.ref, ex.ref))
        if isinstance(result, ReviewError):
            self.found = None
            self.status.setText(f"{result} Starting from 0: nudge until both pictures show the same moment, "
                                "then Apply.")
            self._set_offset(0.0, look=None)
            return
        self.found = result
        drift = f"; clocks drift {result.drift_ms():.0f} ms over the shared time" if result.drift_ms() >= 1 else ""
        self.status.setText(
            f"Proposed: {ex.ref} starts {signed_ms(result.offset_ms)} from {ref.ref}'s start "
            f"(confidence {result.confidence:.2f}{drift}). Check both pictures, nudge if needed, then Apply."
        )
        # Look at the middle of the time both recorded.
        lo, hi = max(0.0, result.offset_ms), min(ref.duration_ms, result.offset_ms + ex.duration_ms)
        self._set_offset(result.offset_ms, look=(lo + hi) / 2 if hi > lo else None)

    # -- looking and nudging ------------------------------------------------------------------
    def nudge(self, ms: float) -> None:
        self._set_offset(self.offset_ms + ms, look=self.look_ms)

    def _set_offset(self, offset_ms: float, look: float | None) -> None:
        self.offset_ms = float(offset_ms)
        pair = self.pair()
        if pair is not None:
            ex, ref = pair
            nudged = "" if self.found is None or abs(self.offset_ms - self.found.offset_ms) < 0.5 else \
                f" (nudged {signed_ms(self.offset_ms - self.found.offset_ms)} from the sound's answer)"
            how = "" if self.found is not None else " (lined up by hand)"
            self.offset_label.setText(f"{ex.ref} starts {signed_ms(self.offset_ms)} from {ref.ref}'s start"
                                      f"{nudged or how}")
            # The exhibit's caption shows the clock it would have with this offset.
            self.players[1].set_recording_start(aligning.start_from(ref.recording_start, self.offset_ms))
        self.look_at(self.look_ms if look is None else look)

    def look_at(self, ref_ms: float) -> None:
        """Show both pictures (and the waveforms) at this file time of the reference."""
        pair = self.pair()
        if pair is None:
            return
        ex, ref = pair
        self.look_ms = max(0.0, min(float(ref_ms), max(0.0, ref.duration_ms - 1.0)))
        self.look_bar.blockSignals(True)
        self.look_bar.setValue(int(self.look_ms))
        self.look_bar.blockSignals(False)
        self.waves.set_view(self.look_ms, self.offset_ms)
        self.players[0].seek(int(round(self.look_ms)))
        f = self.look_ms - self.offset_ms
        player = self.players[1]
        if 0 <= f < ex.duration_ms:
            player.seek(int(round(f)))
        else:
            player.view.set_image(None)
            player.view.set_message(NO_FOOTAGE, f"{ex.ref} was not recording at this moment")

    # -- storing ----------------------------------------------------------------------------
    def apply(self) -> None:
        pair = self.pair()
        if pair is None:
            return
        ex, ref = pair
        source = "aligned" if self.found is not None else "offset"
        if self._store_start is not None:
            if self._store_start(ex.ref, ref.ref, self.offset_ms, source) is None:
                self.status.setText("Not stored; the message says why.")
                return
        else:
            try:
                operations.set_start_from(self.store, ex.ref, ref.ref, self.offset_ms, self._actor, source=source)
            except ReviewError as exc:
                self.status.setText(str(exc))
                return
        stored = self.store.exhibit(ex.ref)
        self.status.setText(f"Stored: {stored.ref} now starts {stored.recording_start} "
                            f"({'by sound' if source == 'aligned' else 'lined up by hand'}; audited).")
        self.applied.emit(stored.ref)

    # -- closing -----------------------------------------------------------------------------
    def shutdown(self) -> None:
        task, self._task = self._task, None
        if task is not None:  # the window's pool joins it; its answer no longer comes here
            task.detach()
        if self._own_pool:
            self._pool.shutdown()
        for player in self.players:
            player.shutdown()

    def done(self, result: int) -> None:
        self.shutdown()
        super().done(result)

    def closeEvent(self, event) -> None:
        self.shutdown()
        super().closeEvent(event)
