"""The transport bar: play/pause, frame back/forward, speed, time, go to time."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QStyle,
    QToolButton,
    QWidget,
)

from bwv_review.core.errors import ReviewError
from bwv_review.core.timecode import format_ms, parse_time

from .clock import SPEEDS


def speed_text(speed: float) -> str:
    return f"{speed:g}\u00d7"


class TransportBar(QWidget):
    playClicked = Signal()
    stepClicked = Signal(int)
    speedPicked = Signal(float)
    goTo = Signal(int)
    badTime = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        style = self.style()
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 2, 4, 2)
        layout.setSpacing(4)

        self.back = self._button(style.standardIcon(QStyle.StandardPixmap.SP_MediaSkipBackward),
                                 "Back one frame (,)")
        self.play = self._button(style.standardIcon(QStyle.StandardPixmap.SP_MediaPlay),
                                 "Play (Space)")
        self.forward = self._button(style.standardIcon(QStyle.StandardPixmap.SP_MediaSkipForward),
                                    "Forward one frame (.)")
        self.back.clicked.connect(lambda: self.stepClicked.emit(-1))
        self.forward.clicked.connect(lambda: self.stepClicked.emit(1))
        self.play.clicked.connect(self.playClicked)
        for button in (self.back, self.play, self.forward):
            layout.addWidget(button)

        self.speed = QComboBox(self)
        for value in SPEEDS:
            self.speed.addItem(speed_text(value), value)
        self.speed.setCurrentIndex(SPEEDS.index(1.0))
        self.speed.setToolTip("Playback speed ([ slower, ] faster, Backspace for normal speed)")
        self.speed.setAccessibleName("Playback speed")
        self.speed.activated.connect(lambda i: self.speedPicked.emit(float(self.speed.itemData(i))))
        layout.addWidget(self.speed)

        self.time = QLabel(self)
        mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        mono.setPointSizeF(self.font().pointSizeF())
        self.time.setFont(mono)
        self.time.setToolTip("File time of the frame shown / length of the footage")
        self.time.setAccessibleName("File time")
        layout.addWidget(self.time)
        layout.addStretch(1)

        self.goto = QLineEdit(self)
        self.goto.setPlaceholderText("Go to time\u2026")
        self.goto.setToolTip("Type a file time (HH:MM:SS.mmm, MM:SS or seconds, e.g. 12.5) or a clock time "
                                "(23:41:07) and press Enter")
        self.goto.setAccessibleName("Go to time")
        self.goto.setClearButtonEnabled(True)
        self.goto.setMaximumWidth(self.fontMetrics().horizontalAdvance("00:00:00.000") * 2)
        self.goto.returnPressed.connect(self._go)
        self.goto.textEdited.connect(lambda _t: self.goto.setStyleSheet(""))
        layout.addWidget(self.goto)
        self.set_time(None, None)
        self.set_enabled(False)
        # Text -> file ms, or ReviewError with a sentence: the window gives one that also takes
        # clock time on the exhibit's clock (core.goto) and refuses times outside the footage.
        self.resolve = parse_time

    def _button(self, icon, tip: str) -> QToolButton:
        button = QToolButton(self)
        button.setIcon(icon)
        button.setToolTip(tip)
        button.setAccessibleName(tip.split(" (")[0])
        button.setAutoRaise(True)
        return button

    def set_enabled(self, enabled: bool) -> None:
        for widget in (self.back, self.play, self.forward, self.speed, self.goto):
            widget.setEnabled(enabled)

    def set_playing(self, playing: bool) -> None:
        pixmap = QStyle.StandardPixmap.SP_MediaPause if playing else QStyle.StandardPixmap.SP_MediaPlay
        self.play.setIcon(self.style().standardIcon(pixmap))
        tip = "Pause (Space)" if playing else "Play (Space)"
        self.play.setToolTip(tip)
        self.play.setAccessibleName(tip.split(" (")[0])

    def set_speed(self, speed: float) -> None:
        index = self.speed.findData(speed)
        if index < 0:
            self.speed.addItem(speed_text(speed), speed)
            index = self.speed.count() - 1
        self.speed.setCurrentIndex(index)

    def set_time(self, ms: int | None, duration_ms: int | None) -> None:
        if ms is None:
            self.time.setText("--:--:--.--- / --:--:--.---")
        else:
            self.time.setText(f"{format_ms(ms)} / {format_ms(duration_ms or 0)}")

    def focus_goto(self) -> None:
        self.goto.setFocus()
        self.goto.selectAll()

    def _go(self) -> None:
        text = self.goto.text().strip()
        if not text:
            return
        try:
            ms = self.resolve(text)
        except ReviewError as exc:
            self.goto.setStyleSheet("QLineEdit { border: 2px solid #d32f2f; }")
            self.badTime.emit(str(exc))
            return
        self.goto.setStyleSheet("")
        self.goTo.emit(ms)


__all__ = ["TransportBar", "speed_text"]
