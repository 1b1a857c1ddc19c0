"""Watch together: two (up to four) exhibits side by side on the case's shared clock.

Each exhibit joins at its recording start, so one clock instant shows each camera's frame
for that instant, or "No footage at this time" where a camera was not recording. Sound comes
from one chosen exhibit (the others are muted) and that exhibit's playback clock leads: the
others follow it and are re-seeked when they drift by more than a frame. When the chosen one
has no footage at the time, a timer carries the shared clock on.

Keys 1-9 mark the exhibit whose pane has focus (else the one heard) at the frame it shows;
the words are typed in the bar under the pictures, as in the case window. Esc or Ctrl+W
closes the view. What each pane shows while playing and visible counts as watched. The
view only reports these (``markRequested``, ``words*``, ``watched``, ``visibleChanged``):
the window's multi-camera adapter hands them to the review session.

Open it with ``open_synced_view(parent, store)``; every player is shut down (threads
joined) when the window closes.
"""

from __future__ import annotations

import math
from datetime import datetime

from PySide6.QtCore import QElapsedTimer, QEvent, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMainWindow,
    QSlider,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ..core.model import Exhibit
from ..core.store import CaseStore
from ..core.timecode import local
from .camera_pane import NO_FOOTAGE, Camera, CameraPane, cameras, epoch_ms, from_epoch_ms
from .player.clock import SPEEDS
from .player.transport import speed_text

MAX_VIEWS = 4
SYNC_TICK_MS = 20  # how often the followers are checked against the leader while playing
RESEEK_PAUSE_MS = 400  # after a re-seek, give a follower this long (its sound starting) first
__all__ = ["NO_FOOTAGE", "SyncedView", "cameras", "open_synced_view"]


class SyncedView(QMainWindow):
    """The "Watch together" window: camera panes, one transport on the shared clock.

    A QMainWindow of its own, so it can sit beside the case window on a second screen."""

    clockChanged = Signal(float)  # epoch ms of the shared clock, on every step shown
    markRequested = Signal(int, int, int, bool, float)  # key, exhibit id, file ms shown, was playing, speed
    wordsTyped = Signal(str)  # the words of the mark just made, as they stand
    wordsLeft = Signal()  # left the words field: save them
    wordsConfirmed = Signal()  # Enter in the words: save them, carry on
    watched = Signal(int, int, int, float)  # exhibit id, from ms, to ms, speed: shown while playing
    visibleChanged = Signal(bool)  # the pictures can (not) be seen: minimised, hidden, behind a dialog

    def __init__(self, store: CaseStore, exhibits: list[Exhibit] | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Watch cameras together")
        self._tz = store.case().timezone
        self._all, self._refused = cameras(store)
        chosen = {e.ref for e in exhibits} if exhibits is not None else None
        self.panes: list[CameraPane] = []
        self._playing = False
        self._speed = 1.0
        self._anchor = 0.0  # shared clock (epoch ms) at the last anchor
        self._since_anchor = QElapsedTimer()
        self._tick = QTimer(self)
        self._tick.setTimerType(Qt.TimerType.PreciseTimer)
        self._tick.setInterval(SYNC_TICK_MS)
        self._tick.timeout.connect(self._on_tick)

        self._choose = QHBoxLayout()
        self._choose.addWidget(QLabel("Cameras:"))
        self._boxes: dict[str, QCheckBox] = {}
        for cam in self._all:
            box = QCheckBox(cam.ref, self)
            box.setChecked((chosen is None and len(self._boxes) < MAX_VIEWS) or (chosen is not None and cam.ref in chosen))
            box.toggled.connect(self._on_choice)
            self._boxes[cam.ref] = box
            self._choose.addWidget(box)
        self._choose.addStretch(1)
        self.refused_label = QLabel(" ".join(self._refused), self)
        self.refused_label.setWordWrap(True)
        self.refused_label.setVisible(bool(self._refused))

        self._grid = QGridLayout()
        self._grid.setSpacing(4)
        self._build_transport()
        body = QWidget(self)
        self.setCentralWidget(body)
        layout = QVBoxLayout(body)
        layout.addLayout(self._choose)
        layout.addWidget(self.refused_label)
        layout.addLayout(self._grid, 1)
        layout.addLayout(self._bar)
        layout.addLayout(self._build_words())
        # An explicit minimum (room for four panes) so the layout never resizes the window's
        # limits itself after it is shown, which platforms without size hints warn about.
        self.setMinimumSize(900, 560)
        self.resize(1280, 640)
        for key, slot in (("Space", self.toggle_play), ("Left", lambda: self.skip(-5000)),
                          ("Right", lambda: self.skip(5000)), ("Shift+Left", lambda: self.skip(-1000)),
                          ("Shift+Right", lambda: self.skip(1000)), (",", lambda: self.step(-1)),
                          (".", lambda: self.step(1)), ("Esc", self.close), ("Ctrl+W", self.close)):
            QShortcut(QKeySequence(key), self, slot)
        for digit in range(1, 10):
            QShortcut(QKeySequence(str(digit)), self, lambda d=digit: self.mark(d))
        self._rebuild()

    # -- marking -------------------------------------------------------------------------------
    def _build_words(self) -> QHBoxLayout:
        self.words_label = QLabel(self)
        self.words = QLineEdit(self)
        self.words.setPlaceholderText("Type the words exactly as said; Enter saves and carries on")
        self.words.setToolTip("The words of the mark just made (saved on Enter, on leaving the field, "
                              "or when this view closes)")
        self.words.textEdited.connect(self.wordsTyped)
        self.words.returnPressed.connect(self._words_entered)
        self.words.installEventFilter(self)
        row = QHBoxLayout()
        row.addWidget(self.words_label)
        row.addWidget(self.words, 1)
        self.words_label.hide()
        self.words.hide()
        return row

    def target_pane(self) -> CameraPane | None:
        """The pane with the keyboard focus, else the one heard."""
        focus = self.focusWidget()
        for pane in self.panes:
            if focus is not None and (focus is pane or pane.isAncestorOf(focus)):
                return pane
        return self.sound_pane()

    def mark(self, key: int) -> None:
        pane = self.target_pane()
        if pane is None:
            return
        if pane.outside:
            self.statusBar().showMessage(f"{pane.camera.ref} has no footage at this moment; nothing was marked.", 6000)
            return
        playing = self._playing
        self.pause()
        self.markRequested.emit(key, pane.camera.exhibit.id, pane.player.position_ms(), playing, self._speed)

    def show_words_for(self, title: str) -> None:
        """A mark was made here: take its words in the bar under the pictures."""
        self.words_label.setText(title)
        self.words.clear()
        for w in (self.words_label, self.words):
            w.show()
        self.words.setFocus()

    def _words_entered(self) -> None:
        self.wordsConfirmed.emit()  # saved (the session has had every keystroke); the bar goes
        for w in (self.words_label, self.words):
            w.hide()
        (self.sound_pane() or self).setFocus()

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 - Qt's name
        if watched is self.words and event.type() == QEvent.Type.FocusOut:
            self.wordsLeft.emit()
        if watched is self.words and event.type() == QEvent.Type.ShortcutOverride and event.key() == Qt.Key.Key_Escape:
            event.accept()  # Esc in the words leaves the field (saving them); it does not close the view
            return True
        if watched is self.words and event.type() == QEvent.Type.KeyPress and event.key() == Qt.Key.Key_Escape:
            (self.sound_pane() or self).setFocus()
            return True
        return super().eventFilter(watched, event)

    def event(self, event) -> bool:
        visible = {QEvent.Type.WindowBlocked: False, QEvent.Type.WindowUnblocked: True, QEvent.Type.Hide: False,
                   QEvent.Type.Show: True}.get(event.type())
        if event.type() == QEvent.Type.WindowStateChange:
            visible = not self.isMinimized()
        if visible is not None:
            for pane in self.panes:
                pane.player.flush_watched()  # what was shown until now was seen
            self.visibleChanged.emit(visible)
        return super().event(event)

    # -- building -----------------------------------------------------------------------------
    def _build_transport(self) -> None:
        self.play_button = QToolButton(self)
        self.play_button.setText("Play")
        self.play_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.play_button.setIcon(self.style().standardIcon(self.style().StandardPixmap.SP_MediaPlay))
        self.play_button.clicked.connect(self.toggle_play)
        self.clock_bar = QSlider(Qt.Orientation.Horizontal, self)
        self.clock_bar.setAccessibleName("Shared clock")
        self.clock_bar.setToolTip("The case's clock. Space plays and pauses; Left/Right 5 s (Shift: 1 s); , and . one frame")
        self.clock_bar.valueChanged.connect(self._on_bar)
        self.clock_label = QLabel(self)
        self.clock_label.setMinimumWidth(170)
        self.speed_box = QComboBox(self)
        for s in SPEEDS:
            self.speed_box.addItem(speed_text(s), s)
        self.speed_box.setCurrentIndex(SPEEDS.index(1.0))
        self.speed_box.currentIndexChanged.connect(lambda i: self.set_speed(self.speed_box.itemData(i)))
        self.sound_box = QComboBox(self)
        self.sound_box.setToolTip("Hear this camera; the others are muted and follow its clock.")
        self.sound_box.currentIndexChanged.connect(self._apply_sound)
        bar = QHBoxLayout()
        bar.addWidget(self.play_button)
        bar.addWidget(self.clock_label)
        bar.addWidget(self.clock_bar, 1)
        bar.addWidget(QLabel("Speed"))
        bar.addWidget(self.speed_box)
        bar.addWidget(QLabel("Sound from"))
        bar.addWidget(self.sound_box)
        self._bar = bar

    def _on_choice(self, checked: bool) -> None:
        if checked and sum(b.isChecked() for b in self._boxes.values()) > MAX_VIEWS:
            self.sender().setChecked(False)  # four at most: one more would be too small to watch
            return
        self._rebuild()

    def _rebuild(self) -> None:
        keep = self.clock_ms() if self.panes else None
        self.pause()
        for pane in self.panes:
            pane.player.shutdown()
            self._grid.removeWidget(pane)
            pane.deleteLater()
        self.panes = []
        chosen = [c for c in self._all if self._boxes[c.ref].isChecked()]
        columns = 2 if len(chosen) != 3 else 3
        for i, cam in enumerate(chosen):
            pane = CameraPane(cam, self._tz, self)
            pane.player.watched.connect(lambda a, b, speed, ex=cam.exhibit.id: self.watched.emit(ex, a, b, speed))
            self._grid.addWidget(pane, i // columns, i % columns)
            self.panes.append(pane)
        previous = self.sound_box.currentText()
        self.sound_box.blockSignals(True)
        self.sound_box.clear()
        self.sound_box.addItems([p.camera.ref for p in self.panes])
        if previous in [p.camera.ref for p in self.panes]:
            self.sound_box.setCurrentText(previous)
        self.sound_box.blockSignals(False)
        self._apply_sound()
        self.play_button.setEnabled(bool(self.panes))
        self.clock_bar.setEnabled(bool(self.panes))
        if not self.panes:
            self.clock_label.setText("Choose a camera" if self._all else "No exhibit has a known start")
            return
        self._first = min(c.start_ms for c in chosen)
        self._last = max(c.start_ms + c.duration_ms for c in chosen)
        self.clock_bar.blockSignals(True)
        self.clock_bar.setRange(0, int(self._last - self._first))
        self.clock_bar.setSingleStep(40)
        self.clock_bar.setPageStep(10_000)
        self.clock_bar.blockSignals(False)
        start = keep if keep is not None and self._first <= keep <= self._last else self._first
        self.seek_clock(start)

    # -- the shared clock ----------------------------------------------------------------------
    def sound_pane(self) -> CameraPane | None:
        i = self.sound_box.currentIndex()
        return self.panes[i] if 0 <= i < len(self.panes) else None

    def _set_anchor(self, clock_ms: float) -> None:
        self._anchor = clock_ms
        self._since_anchor.restart()

    def clock_ms(self) -> float:
        """The shared clock now (epoch ms): the sound camera's own clock while it plays."""
        if not self._playing:
            return self._anchor
        lead = self.sound_pane()
        if lead is not None and lead.player.is_playing() and not lead.outside:
            now = lead.camera.start_ms + lead.player.clock_ms()
            self._set_anchor(now)
            return now
        return self._anchor + self._since_anchor.nsecsElapsed() / 1e6 * self._speed

    def clock_time(self) -> datetime:
        return from_epoch_ms(self.clock_ms())

    def seek_clock(self, clock_ms: float) -> None:
        """Show every camera at this instant (playing on from it if playing)."""
        if not self.panes:
            return
        clock_ms = max(self._first, min(self._last, float(clock_ms)))
        self._set_anchor(clock_ms)
        for pane in self.panes:
            self._place(pane, clock_ms, force=True)
        self._show_clock(clock_ms)

    def seek_to(self, when: datetime) -> None:
        self.seek_clock(epoch_ms(when))

    def _place(self, pane: CameraPane, clock_ms: float, force: bool = False) -> None:
        """Put one camera where the shared clock says: its frame, or "No footage"."""
        cam = pane.camera
        if not cam.inside(clock_ms):
            if not pane.outside or pane.player.is_playing():
                pane.show_outside(self._range_text(cam, clock_ms))
            return
        f = cam.file_ms(clock_ms)
        player = pane.player
        playable = f < cam.duration_ms - 2 * cam.frame_ms  # never ask a player to play from its end
        if not self._playing:
            if force or pane.outside:
                pane.go_to(f)
            return
        if not player.is_playing():
            if not playable:
                if pane.outside:
                    pane.go_to(f)
                return
            pane.go_to(f)
            player.set_muted(pane is not self.sound_pane())
            player.play()
        elif force:
            pane.go_to(f)
        elif pane is not self.sound_pane() and pane.since_seek.elapsed() >= RESEEK_PAUSE_MS \
                and abs(player.clock_ms() - f) > cam.frame_ms:
            pane.go_to(f)  # drifted by more than a frame: back in step

    def _range_text(self, cam: Camera, clock_ms: float) -> str:
        start = local(from_epoch_ms(cam.start_ms), self._tz)
        end = local(from_epoch_ms(cam.start_ms + cam.duration_ms), self._tz)
        when = "starts" if clock_ms < cam.start_ms else "ended"
        at = start if clock_ms < cam.start_ms else end
        return f"{cam.ref} {when} at {at.strftime('%H:%M:%S.')}{at.microsecond // 1000:03d}"

    def _show_clock(self, clock_ms: float) -> None:
        here = local(from_epoch_ms(clock_ms), self._tz)
        self.clock_label.setText(here.strftime("%H:%M:%S.") + f"{here.microsecond // 1000:03d} {here.tzname()}")
        self.clock_bar.blockSignals(True)
        self.clock_bar.setValue(int(round(clock_ms - self._first)))
        self.clock_bar.blockSignals(False)
        self.clockChanged.emit(clock_ms)

    def _on_bar(self, value: int) -> None:
        self.seek_clock(self._first + value)

    # -- transport ------------------------------------------------------------------------------
    def play(self) -> None:
        if self._playing or not self.panes:
            return
        now = self.clock_ms()
        if now >= self._last - 1:
            now = self._first  # at the end: from the start, as players do
        self._playing = True
        self._set_anchor(now)
        for pane in self.panes:
            self._place(pane, now, force=True)
        self._tick.start()
        self._set_play_button()

    def pause(self) -> None:
        if self._playing:
            self._stop(self.clock_ms())

    def _stop(self, now: float) -> None:
        self._playing = False
        self._tick.stop()
        for pane in self.panes:
            if pane.player.is_playing():
                pane.player.pause()
        lead = self.sound_pane()
        if lead is not None and lead.camera.inside(now):
            # Stop on the start of the heard camera's frame, so the clock shown is its caption's.
            frame = lead.camera.frame_ms
            now = lead.camera.start_ms + math.floor(lead.camera.file_ms(now) / frame + 1e-6) * frame
        self.seek_clock(now)  # every camera settles on the frame for the same instant
        self._set_play_button()

    def skip(self, ms: float) -> None:
        self.seek_clock(self.clock_ms() + ms)

    def step(self, frames: int) -> None:
        """One frame of the sound camera (or the first) back or forward, paused."""
        self.pause()
        lead = self.sound_pane() or (self.panes[0] if self.panes else None)
        if lead is not None:
            self.seek_clock(self.clock_ms() + frames * lead.camera.frame_ms)

    def toggle_play(self) -> None:
        self.pause() if self._playing else self.play()

    def is_playing(self) -> bool:
        return self._playing

    def set_speed(self, speed: float) -> None:
        self._set_anchor(self.clock_ms())
        self._speed = float(speed)
        for pane in self.panes:
            pane.player.set_speed(self._speed)

    def _set_play_button(self) -> None:
        icon = self.style().StandardPixmap.SP_MediaPause if self._playing else self.style().StandardPixmap.SP_MediaPlay
        self.play_button.setIcon(self.style().standardIcon(icon))
        self.play_button.setText("Pause" if self._playing else "Play")

    def _apply_sound(self) -> None:
        lead = self.sound_pane()
        for pane in self.panes:
            pane.set_heard(pane is lead)

    def _on_tick(self) -> None:
        now = self.clock_ms()
        if now >= self._last:
            self._stop(self._last - 1)  # the end: the last frames stay on screen
            return
        for pane in self.panes:
            self._place(pane, now)
        self._show_clock(now)

    # -- closing -------------------------------------------------------------------------------
    def shutdown(self) -> None:
        if self._playing:
            self._stop(self.clock_ms())  # the last stretch shown is reported as watched
        self._tick.stop()
        if self.words.isVisible():
            self.wordsLeft.emit()
        for pane in self.panes:
            pane.player.shutdown()

    def closeEvent(self, event) -> None:
        self.shutdown()
        super().closeEvent(event)


def open_synced_view(parent: QWidget | None, store: CaseStore,
                     exhibits: list[Exhibit] | None = None) -> SyncedView:
    """Open the "Watch together" window (the exhibits given, or the first four with a start)."""
    view = SyncedView(store, exhibits, parent)
    view.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    view.show()
    return view
