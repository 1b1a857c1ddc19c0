"""The picture: the decoded frame, aspect-correct and letterboxed, with its caption line."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QPoint, QRect, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QImage, QPainter
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

BACKGROUND = QColor(12, 12, 12)  # around the picture, and where there is none

EMPTY_TEXT = "No footage loaded"
EMPTY_HINT = "Choose an exhibit to review it here."


class VideoView(QWidget):
    """Paints one QImage scaled to fit (smooth), black bars around it, caption on top."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._image: QImage | None = None
        # The frame scaled to the widget, with its black bars: made once per frame and size
        # (the one smooth scale of the 1080p picture), then blitted by every paint until the
        # frame or the size changes. A QImage, so it may be freed on any thread.
        self._layer: QImage | None = None
        self._layer_key: tuple | None = None
        self._caption_font: QFont | None = None
        self._caption_font_key: str | None = None
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

    def scaled_down(self, info) -> bool:
        """Whether the picture shown came scaled down (while playing) from ``info``'s size."""
        if self._image is None or self._image.isNull() or info is None:
            return False
        full = info.height if getattr(info, "rotation", 0) % 180 else info.width
        return self._image.width() < full

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

    def device_size(self) -> tuple[int, int]:
        """The view's size in device pixels: a picture larger than this is scaled down to show."""
        dpr = self.devicePixelRatioF()
        return max(1, round(self.width() * dpr)), max(1, round(self.height() * dpr))

    def picture_rect(self) -> QRectF:
        """Where the frame is drawn: the largest rectangle of its shape that fits."""
        if self._image is None or self._image.isNull():
            return QRectF()
        iw, ih = self._image.width(), self._image.height()
        scale = min(self.width() / iw, self.height() / ih)
        w, h = iw * scale, ih * scale
        return QRectF((self.width() - w) / 2, (self.height() - h) / 2, w, h)

    # -- painting ---------------------------------------------------------------------------
    def _picture_layer(self) -> QImage:
        """The background and the scaled frame, as the widget shows them (cached)."""
        dpr = self.devicePixelRatioF()
        key = (self._image.cacheKey(), self.width(), self.height(), dpr)
        if self._layer is None or self._layer_key != key:
            layer = QImage(max(1, round(self.width() * dpr)), max(1, round(self.height() * dpr)),
                           QImage.Format.Format_ARGB32_Premultiplied)
            layer.setDevicePixelRatio(dpr)
            painter = QPainter(layer)
            painter.fillRect(self.rect(), BACKGROUND)
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
            painter.drawImage(self.picture_rect(), self._image)
            painter.end()
            self._layer, self._layer_key = layer, key
        return self._layer

    def _unscaled_at(self) -> QPoint | None:
        """Where the picture goes when it is already the size it is shown at (playing: the
        decoder scaled it to fit the view), so it is drawn as it is; else None."""
        image = self._image
        if self.devicePixelRatioF() != 1.0:
            return None
        iw, ih, w, h = image.width(), image.height(), self.width(), self.height()
        if (iw == w and ih <= h) or (ih == h and iw <= w):
            return QPoint((w - iw) // 2, (h - ih) // 2)
        return None

    def paintEvent(self, _event) -> None:
        painter = QPainter(self)
        if self._image is not None and not self._image.isNull():
            # A new frame while playing is painted once: drawn straight, not through the layer.
            if (at := self._unscaled_at()) is not None:
                painter.fillRect(self.rect(), BACKGROUND)
                painter.drawImage(at, self._image)
            else:
                painter.drawImage(0, 0, self._picture_layer())
            if self._caption:
                self._paint_caption(painter)
        else:
            self._layer = self._layer_key = None
            painter.fillRect(self.rect(), BACKGROUND)
        if self._message:
            self._paint_message(painter)
        painter.end()

    def _paint_caption(self, painter: QPainter) -> None:
        base = self.font().key()
        if self._caption_font is None or self._caption_font_key != base:
            font = QFont(self.font())
            font.setStyleHint(QFont.StyleHint.Monospace)
            font.setFamilies(["DejaVu Sans Mono", "Consolas", "Menlo", "monospace"])
            self._caption_font, self._caption_font_key = font, base
        painter.setFont(self._caption_font)
        metrics = painter.fontMetrics()
        pad = max(4, metrics.height() // 4)
        band = QRect(0, self.height() - metrics.height() - 2 * pad, self.width(), metrics.height() + 2 * pad)
        painter.fillRect(band, QColor(0, 0, 0, 170))
        painter.setPen(QColor(240, 240, 240))
        text = metrics.elidedText(self._caption, Qt.TextElideMode.ElideRight, band.width() - 2 * pad)
        painter.drawText(band.adjusted(pad, 0, -pad, 0), Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, text)

    def _paint_message(self, painter: QPainter) -> None:
        """The sentence in a larger font, the hint under it; boxed when over a picture."""
        flags = Qt.TextFlag.TextWordWrap | Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop
        width = max(100, self.width() - 48)
        big = QFont(self.font())
        big.setPointSizeF(big.pointSizeF() * 1.4)
        painter.setFont(big)
        main = painter.fontMetrics().boundingRect(QRect(0, 0, width, 10_000), flags, self._message)
        painter.setFont(self.font())
        hint = (painter.fontMetrics().boundingRect(QRect(0, 0, width, 10_000), flags, self._hint)
                if self._hint else QRect())
        gap = painter.fontMetrics().height() // 2 if self._hint else 0
        box_w = max(main.width(), hint.width()) + 32
        box_h = main.height() + gap + hint.height() + 20
        box = QRect(0, 0, box_w, box_h)
        box.moveCenter(self.rect().center())
        if self._image is not None:
            painter.fillRect(box, QColor(0, 0, 0, 190))
        top = box.top() + 10
        painter.setFont(big)
        painter.setPen(QColor(235, 235, 235))
        painter.drawText(QRect(box.left(), top, box_w, main.height()), flags, self._message)
        if self._hint:
            painter.setFont(self.font())
            painter.setPen(QColor(170, 170, 170))
            painter.drawText(QRect(box.left(), top + main.height() + gap, box_w, hint.height()), flags, self._hint)

    def event(self, event) -> bool:
        if event.type() == QEvent.Type.ToolTip:
            if self._hover and self._image is not None:
                QToolTip.showText(event.globalPos(), self._hover, self)
            else:
                QToolTip.hideText()
                event.ignore()
            return True
        return super().event(event)
