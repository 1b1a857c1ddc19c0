"""Light, dark or the system's colours, set once at start and when the setting changes.

Qt's colour-scheme request is honoured only by platform themes that support it (not by
every Linux desktop, nor under Xvfb), so light and dark also set a Fusion palette.
Fusion's media icons (play, pause, frame steps) are fixed dark pictures, nearly invisible
on a dark palette: ``MediaIconStyle`` draws them instead in the palette's button-text
colour at the moment they are painted, so they follow the theme, even when it changes.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRect, QRectF, Qt
from PySide6.QtGui import QColor, QIcon, QIconEngine, QPainter, QPalette, QPixmap, QPolygonF
from PySide6.QtWidgets import QApplication, QProxyStyle, QStyle

SP = QStyle.StandardPixmap
MEDIA = {SP.SP_MediaPlay: "play", SP.SP_MediaPause: "pause", SP.SP_MediaStop: "stop",
         SP.SP_MediaSkipForward: "next", SP.SP_MediaSkipBackward: "previous",
         SP.SP_MediaSeekForward: "forward", SP.SP_MediaSeekBackward: "back"}


class _MediaIcon(QIconEngine):
    """A media symbol painted in the current palette's button-text colour."""

    def __init__(self, kind: str):
        super().__init__()
        self.kind = kind

    def paint(self, painter: QPainter, rect: QRect, mode: QIcon.Mode, _state) -> None:
        palette = QApplication.palette()
        group = QPalette.ColorGroup.Disabled if mode == QIcon.Mode.Disabled else QPalette.ColorGroup.Active
        side = min(rect.width(), rect.height()) * 0.7
        box = QRectF(rect.center().x() - side / 2 + 0.5, rect.center().y() - side / 2 + 0.5, side, side)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(palette.color(group, QPalette.ColorRole.ButtonText))
        for shape in _shapes(self.kind, box):
            if isinstance(shape, QRectF):
                painter.drawRect(shape)
            else:
                painter.drawPolygon(shape)
        painter.restore()

    def pixmap(self, size, mode, state) -> QPixmap:
        pixmap = QPixmap(size)
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        self.paint(painter, QRect(0, 0, size.width(), size.height()), mode, state)
        painter.end()
        return pixmap

    def clone(self) -> QIconEngine:
        return _MediaIcon(self.kind)


def _triangle(left: float, right: float, top: float, bottom: float) -> QPolygonF:
    """Pointing right if left < right, else left."""
    return QPolygonF([QPointF(left, top), QPointF(right, (top + bottom) / 2), QPointF(left, bottom)])


def _shapes(kind: str, b: QRectF) -> list:
    x, y, w, h = b.x(), b.y(), b.width(), b.height()
    bar = w * 0.16
    if kind == "play":
        return [_triangle(x + w * 0.1, x + w, y, y + h)]
    if kind == "pause":
        return [QRectF(x + w * 0.12, y, w * 0.28, h), QRectF(x + w * 0.6, y, w * 0.28, h)]
    if kind == "stop":
        return [QRectF(x + w * 0.1, y + h * 0.1, w * 0.8, h * 0.8)]
    if kind == "next":
        return [_triangle(x, x + w - bar, y, y + h), QRectF(x + w - bar, y, bar, h)]
    if kind == "previous":
        return [QRectF(x, y, bar, h), _triangle(x + w, x + bar, y, y + h)]
    if kind == "forward":
        return [_triangle(x, x + w / 2, y, y + h), _triangle(x + w / 2, x + w, y, y + h)]
    return [_triangle(x + w / 2, x, y, y + h), _triangle(x + w, x + w / 2, y, y + h)]  # back


class MediaIconStyle(QProxyStyle):
    """Fusion, with media icons that follow the palette."""

    def standardIcon(self, standard_icon, option=None, widget=None) -> QIcon:  # noqa: N802 - Qt's name
        kind = MEDIA.get(standard_icon)
        if kind is not None:
            return QIcon(_MediaIcon(kind))
        return super().standardIcon(standard_icon, option, widget)


def dark_palette() -> QPalette:
    p = QPalette()
    role, group = QPalette.ColorRole, QPalette.ColorGroup
    base, window, text = QColor("#1e1f22"), QColor("#2b2d31"), QColor("#e6e6e6")
    for r, c in (
        (role.Window, window), (role.WindowText, text), (role.Base, base), (role.AlternateBase, QColor("#26282c")),
        (role.ToolTipBase, QColor("#3a3d42")), (role.ToolTipText, text), (role.Text, text),
        (role.PlaceholderText, QColor("#8a8d93")), (role.Button, QColor("#35373c")), (role.ButtonText, text),
        (role.BrightText, QColor("#ff6b6b")), (role.Highlight, QColor("#2f6fb3")), (role.HighlightedText, QColor("#ffffff")),
        (role.Link, QColor("#6cb4ff")), (role.Light, QColor("#45484e")), (role.Midlight, QColor("#3a3d42")),
        (role.Mid, QColor("#2f3136")), (role.Dark, QColor("#18191b")), (role.Shadow, QColor("#000000")),
    ):
        p.setColor(r, c)
    for r in (role.WindowText, role.Text, role.ButtonText):
        p.setColor(group.Disabled, r, QColor("#7b7e84"))
    return p


def apply_theme(app: QApplication, theme: str) -> None:
    if not isinstance(app.style(), MediaIconStyle):
        app.setStyle(MediaIconStyle("Fusion"))
    scheme = {"light": Qt.ColorScheme.Light, "dark": Qt.ColorScheme.Dark}.get(theme, Qt.ColorScheme.Unknown)
    app.styleHints().setColorScheme(scheme)
    if theme == "dark":
        app.setPalette(dark_palette())
    else:
        app.setPalette(app.style().standardPalette())
