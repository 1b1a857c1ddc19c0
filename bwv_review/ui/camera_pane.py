"""One camera on the case's shared clock: where its footage falls, and its picture pane.

``Camera`` is the arithmetic (epoch ms of the first frame, duration, frame length);
``CameraPane`` is a PlayerWidget without its own transport, a title saying whether it is
heard, and "No footage at this time" when the shared clock is outside its recording.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from PySide6.QtCore import QElapsedTimer
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from ..core.errors import ReviewError
from ..core.model import Exhibit
from ..core.store import CaseStore
from ..core.timecode import parse_instant
from .player.widget import PlayerWidget

NO_FOOTAGE = "No footage at this time"


@dataclass(frozen=True)
class Camera:
    """One exhibit on the shared clock: epoch ms of its first frame, and how long it runs."""

    exhibit: Exhibit
    path: Path
    start_ms: float
    duration_ms: int
    frame_ms: float

    @property
    def ref(self) -> str:
        return self.exhibit.ref

    def file_ms(self, clock_ms: float) -> float:
        return clock_ms - self.start_ms

    def inside(self, clock_ms: float) -> bool:
        return 0.0 <= self.file_ms(clock_ms) < self.duration_ms


def epoch_ms(value: datetime) -> float:
    return value.timestamp() * 1000.0


def from_epoch_ms(ms: float) -> datetime:
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=ms)


def cameras(store: CaseStore, exhibits: list[Exhibit] | None = None) -> tuple[list[Camera], list[str]]:
    """The exhibits that can join (a known recording start), and a sentence for each that cannot."""
    joined, refused = [], []
    for ex in exhibits if exhibits is not None else store.exhibits():
        if not ex.recording_start:
            refused.append(f"{ex.ref} cannot join: its recording start is not known "
                           "(align it by sound or set its start first).")
            continue
        try:
            path = store.footage_path(ex)
        except ReviewError as exc:  # a stored path this computer will not follow
            refused.append(f"{ex.ref} cannot join: {exc}")
            continue
        fps = ex.fps if ex.fps and ex.fps > 0 else 25.0
        joined.append(Camera(ex, path, epoch_ms(parse_instant(ex.recording_start)), int(ex.duration_ms),
                             1000.0 / fps))
    return joined, refused


class CameraPane(QWidget):
    """One exhibit's picture (a PlayerWidget without its own transport) and its name."""

    def __init__(self, camera: Camera, timezone: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.camera = camera
        self.outside = False
        self._outside_hint = ""
        self.since_seek = QElapsedTimer()
        self.since_seek.start()
        ex = camera.exhibit
        self._name = f"<b>{ex.ref}</b>" + (f" \u00b7 {ex.wearer}" if ex.wearer else "")
        self.title = QLabel(self._name, self)
        self.player = PlayerWidget(self)
        self.player.transport.hide()
        self.player.setAccessibleName(f"Exhibit {ex.ref}")
        self.player.frameShown.connect(self._on_frame)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.setSpacing(2)
        layout.addWidget(self.title)
        layout.addWidget(self.player, 1)
        self.player.load(camera.path, ex.sha256, ex.ref, ex.recording_start, timezone)

    def set_heard(self, heard: bool) -> None:
        """Say which camera is heard (and leads the clock): the others are muted."""
        self.player.set_muted(not heard)
        self.title.setText(self._name + (" \u00b7 <i>sound from this camera</i>" if heard else " \u00b7 muted"))

    def show_outside(self, hint: str) -> None:
        if self.player.is_playing():
            self.player.pause()
        self.outside, self._outside_hint = True, hint
        self.player.view.set_image(None)
        self.player.view.set_message(NO_FOOTAGE, hint)

    def _on_frame(self, _index: int, _ms: float) -> None:
        if self.outside:  # a frame asked for before the clock left this recording
            self.player.view.set_image(None)
            self.player.view.set_message(NO_FOOTAGE, self._outside_hint)

    def go_to(self, file_ms: float) -> None:
        self.outside = False
        self.since_seek.restart()
        self.player.seek(int(round(file_ms)))
