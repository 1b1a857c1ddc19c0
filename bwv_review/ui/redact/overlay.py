"""Redact mode over the player: the redacted preview, the regions' outlines, the mouse.

A transparent child of the player's picture. Each frame it shows what the copy will show
(the same ``render.paint`` the copy uses, on the displayed picture's pixels, for the
regions the same ``Plan`` puts on that frame), with every region outlined: confirmed in
red, suggestions dashed amber, the selected one with corner handles. In Redact mode the
mouse draws a new box on empty picture, and moves or resizes the selected box; the
controller turns that into an undoable, audited change.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QPen
from PySide6.QtWidgets import QWidget

from ...core.redact.model import Box

HANDLE = 7  # pixels of the widget
CONFIRMED = QColor(230, 40, 40)
SUGGESTED = QColor(255, 191, 0)
MIN_DRAG = 4


class RedactOverlay(QWidget):
    boxDrawn = Signal(object)  # Box, in pixels of the picture as shown
    boxEdited = Signal(int, object)  # redaction id, its new Box on this frame
    selected = Signal(object)  # redaction id or None

    def __init__(self, view) -> None:
        super().__init__(view)
        self.view = view
        self.active = False
        self.regions: list[tuple[object, Box]] = []  # (Redaction, box) on the frame shown
        self.selected_id: int | None = None
        self.preview = True
        self._drag: tuple[str, QPointF, Box | None] | None = None  # mode, start, box then
        self._rubber: Box | None = None
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents, True)
        self.setAttribute(Qt.WidgetAttribute.WA_NoSystemBackground, True)
        self.setMouseTracking(True)
        self.setGeometry(view.rect())
        view.installEventFilter(self)

    def eventFilter(self, obj, event) -> bool:
        if obj is self.view and event.type() == event.Type.Resize:
            self.setGeometry(self.view.rect())
        return False

    def set_active(self, active: bool) -> None:
        self.active = active
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents, not active)
        self.setCursor(Qt.CursorShape.CrossCursor if active else Qt.CursorShape.ArrowCursor)
        self.update()

    def set_regions(self, regions: list[tuple[object, Box]]) -> None:
        if not regions and not self.regions:
            return  # nothing was drawn, nothing is: repainting this see-through layer repaints the picture under it
        self.regions = regions
        self.update()

    # -- picture <-> widget ----------------------------------------------------------------
    def _scale(self) -> tuple[QRectF, float] | None:
        image = self.view.image()
        rect = self.view.picture_rect()
        if image is None or image.isNull() or rect.isEmpty():
            return None
        return rect, rect.width() / image.width()

    def to_widget(self, box: Box) -> QRectF:
        rect, s = self._scale()
        return QRectF(rect.x() + box.x * s, rect.y() + box.y * s, box.w * s, box.h * s)

    def to_picture(self, point: QPointF) -> tuple[float, float]:
        rect, s = self._scale()
        image = self.view.image()
        x = min(max((point.x() - rect.x()) / s, 0.0), float(image.width()))
        y = min(max((point.y() - rect.y()) / s, 0.0), float(image.height()))
        return x, y

    # -- painting -----------------------------------------------------------------------------
    def paintEvent(self, _event) -> None:
        if not self.regions or self._scale() is None:
            if self._rubber is not None:
                painter = QPainter(self)
                self._outline(painter, self._rubber, CONFIRMED, False, False)
                painter.end()
            return
        painter = QPainter(self)
        if self.preview:
            self._paint_preview(painter)
        if self.active or not self.preview:
            for r, box in self.regions:
                suggested = r.status == "suggested"
                self._outline(painter, box, SUGGESTED if suggested else CONFIRMED, suggested, r.id == self.selected_id)
        if self._rubber is not None:
            self._outline(painter, self._rubber, CONFIRMED, False, False)
        painter.end()

    def _paint_preview(self, painter: QPainter) -> None:
        """What the copy shows here: the frame's pixels, covered as the copy covers them
        (confirmed redactions only: a suggestion is outlined, never applied, until confirmed)."""
        regions = [(r, box) for r, box in self.regions if r.status == "confirmed"]
        if not regions:
            return
        import numpy as np  # noqa: PLC0415 - the start page loads no numpy

        from ...core.redact.render import Plane, cell_size, paint  # noqa: PLC0415

        image = self.view.image().convertToFormat(QImage.Format.Format_RGB888)
        h, w = image.height(), image.width()
        data = np.frombuffer(image.constBits(), np.uint8).reshape(h, image.bytesPerLine())[:, : w * 3]
        pixels = data.reshape(h, w, 3).copy()

        for r, box in regions:
            paint([Plane(pixels, 1, (0, 0, 0))], box, r.shape, r.style, cell_size([k.box for k in r.keyframes]))
        covered = QImage(pixels.data, w, h, pixels.strides[0], QImage.Format.Format_RGB888).copy()
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)
        for _r, box in regions:
            px = box.pixels(w, h)
            if px is None:
                continue
            source = QRectF(px[0], px[1], px[2] - px[0], px[3] - px[1])
            painter.drawImage(self.to_widget(Box(*source.getRect())), covered, source)

    def _outline(self, painter: QPainter, box: Box, colour: QColor, dashed: bool, chosen: bool) -> None:
        rect = self.to_widget(box)
        pen = QPen(colour, 3 if chosen else 2)
        if dashed:
            pen.setStyle(Qt.PenStyle.DashLine)
        painter.setPen(pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRect(rect)
        if chosen:
            painter.setBrush(colour)
            for corner in self._corners(rect):
                painter.drawRect(QRectF(corner.x() - HANDLE / 2, corner.y() - HANDLE / 2, HANDLE, HANDLE))

    @staticmethod
    def _corners(rect: QRectF) -> list[QPointF]:
        return [rect.topLeft(), rect.topRight(), rect.bottomLeft(), rect.bottomRight()]

    # -- the mouse ------------------------------------------------------------------------------
    def _hit(self, pos: QPointF):
        for r, box in reversed(self.regions):
            if self.to_widget(box).adjusted(-HANDLE, -HANDLE, HANDLE, HANDLE).contains(pos):
                return r, box
        return None

    def mousePressEvent(self, event) -> None:
        if not self.active or self._scale() is None or event.button() != Qt.MouseButton.LeftButton:
            return
        pos = event.position()
        hit = self._hit(pos)
        if hit is None:
            self.selected_id = None
            self.selected.emit(None)
            self._drag = ("draw", pos, None)
        else:
            r, box = hit
            if r.id != self.selected_id:
                self.selected_id = r.id
                self.selected.emit(r.id)
            corners = self._corners(self.to_widget(box))
            near = [i for i, c in enumerate(corners) if abs(c.x() - pos.x()) <= HANDLE and abs(c.y() - pos.y()) <= HANDLE]
            self._drag = (f"corner{near[0]}" if near else "move", pos, box)
        self.update()

    def mouseMoveEvent(self, event) -> None:
        if self._drag is None:
            return
        mode, start, box = self._drag
        x0, y0 = self.to_picture(start)
        x1, y1 = self.to_picture(event.position())
        if mode == "draw":
            self._rubber = Box(min(x0, x1), min(y0, y1), abs(x1 - x0), abs(y1 - y0))
        else:
            self._rubber = _dragged(mode, box, x1 - x0, y1 - y0)
        self.update()

    def mouseReleaseEvent(self, event) -> None:
        if self._drag is None:
            return
        mode, start, _box = self._drag
        rubber, self._drag, self._rubber = self._rubber, None, None
        moved = (event.position() - start).manhattanLength() >= MIN_DRAG
        if rubber is not None and moved and rubber.w >= 2 and rubber.h >= 2:
            if mode == "draw":
                self.boxDrawn.emit(_rounded(rubber))
            elif self.selected_id is not None:
                self.boxEdited.emit(self.selected_id, _rounded(rubber))
        self.update()


def _dragged(mode: str, box: Box, dx: float, dy: float) -> Box:
    if mode == "move":
        return Box(box.x + dx, box.y + dy, box.w, box.h)
    x0, y0, x1, y1 = box.x, box.y, box.right, box.bottom
    corner = int(mode[-1])  # 0 top-left, 1 top-right, 2 bottom-left, 3 bottom-right
    if corner in (0, 2):
        x0 += dx
    else:
        x1 += dx
    if corner in (0, 1):
        y0 += dy
    else:
        y1 += dy
    return Box(min(x0, x1), min(y0, y1), abs(x1 - x0), abs(y1 - y0))


def _rounded(box: Box) -> Box:
    return Box(round(box.x), round(box.y), max(1, round(box.w)), max(1, round(box.h)))
