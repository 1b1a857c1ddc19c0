"""The picture: the decoded frame, aspect-correct and letterboxed, with its caption line."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QRect, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPalette
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

EMPTY_TEXT = "No footage loaded"
EMPTY_HINT = "Choose an exhibit to review it here."


class VideoView(QWidget):
    """Paints one QImage scaled to fit (smooth), black bars around it, caption on top."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._image: QImage | None = None
        self._caption = ""
        self._hover = ""
        self._message = EMPTY_TEXT
        self._hint = EMPTY_HINT
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(240, 135)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.setAccessibleName("Video")
        self.setMouseTracking(True)

    def sizeHint(self) -> QSize:
        return QSize(640, 360)

    # -- what to show ---------------------------------------------------------------------
    def image(self) -> QImage | None:
        return self._image

    def set_image(self, image: QImage | None) -> None:
        self._image = image
        if image is not None:
            self._message = ""
        self.update()

    def set_caption(self, caption: str, hover: str = "") -> None:
        self._caption = caption
        self._hover = hover
        self.setAccessibleDescription(caption)
        self.update()

    def set_message(self, message: str, hint: str = "") -> None:
        """A sentence shown over the picture (empty state, opening, an error)."""
        self._message = message
        self._hint = hint
        self.update()

    def clear(self) -> None:
        self._image = None
        self._caption = self._hover = ""
        self.set_message(EMPTY_TEXT, EMPTY_HINT)

    def picture_rect(self) -> QRectF:
        """Where the frame is drawn: the largest rectangle of its shape that fits."""
        if self._image is None or self._image.isNull():
            return QRectF()
        iw, ih = self._image.width(), self._image.height()
        scale = min(self.width() / iw, self.height() / ih)
        w, h = iw * scale, ih * scale
        return QRectF((self.width() - w) / 2, (self.height() - h) / 2, w, h)

    # -- painting ---------------------------------------------------------------------------
    def paintEvent(self, _event) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor(12, 12, 12))
        if self._image is not None and not self._image.isNull():
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
            painter.drawImage(self.picture_rect(), self._image)
            if self._caption:
                self._paint_caption(painter)
        if self._message:
            self._paint_message(painter)
        painter.end()

    def _paint_caption(self, painter: QPainter) -> None:
        font = QFont(self.font())
        font.setStyleHint(QFont.StyleHint.Monospace)
        font.setFamilies(["DejaVu Sans Mono", "Consolas", "Menlo", "monospace"])
        painter.setFont(font)
        metrics = painter.fontMetrics()
        pad = max(4, metrics.height() // 4)
        band = QRect(0, self.height() - metrics.height() - 2 * pad, self.width(), metrics.height() + 2 * pad)
        painter.fillRect(band, QColor(0, 0, 0, 170))
        painter.setPen(QColor(240, 240, 240))
        text = metrics.elidedText(self._caption, Qt.TextElideMode.ElideRight, band.width() - 2 * pad)
        painter.drawText(band.adjusted(pad, 0, -pad, 0), Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, text)

    def _paint_message(self, painter: QPainter) -> None:
        has_picture = self._image is not None
        area = self.rect().adjusted(16, 16, -16, -16)
        font = QFont(self.font())
        font.setPointSizeF(font.pointSizeF() * 1.4)
        painter.setFont(font)
        metrics = painter.fontMetrics()
        text_rect = metrics.boundingRect(area, Qt.TextFlag.TextWordWrap | Qt.AlignmentFlag.AlignCenter, self._message)
        hint_h = 0
        if self._hint:
            small = QFont(self.font())
            hint_h = painter.fontMetrics().height() + 8
            del small
        box = text_rect.adjusted(-12, -8, 12, 8 + hint_h)
        box.moveCenter(self.rect().center())
        if has_picture:
            painter.fillRect(box, QColor(0, 0, 0, 190))
        painter.setPen(QColor(235, 235, 235))
        painter.drawText(box.adjusted(12, 8, -12, -8 - hint_h), Qt.TextFlag.TextWordWrap | Qt.AlignmentFlag.AlignCenter, self._message)
        if self._hint:
            painter.setFont(self.font())
            painter.setPen(self.palette().color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.WindowText).lighter(160))
            hint_rect = QRect(box.left(), box.bottom() - hint_h - 4, box.width(), hint_h)
            painter.drawText(hint_rect, Qt.AlignmentFlag.AlignCenter, self._hint)

    def event(self, event) -> bool:
        if event.type() == QEvent.Type.ToolTip:
            if self._hover and self._image is not None:
                QToolTip.showText(event.globalPos(), self._hover, self)
            else:
                QToolTip.hideText()
                event.ignore()
            return True
        return super().event(event)
