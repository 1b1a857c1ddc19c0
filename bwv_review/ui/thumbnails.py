"""A small still of each exhibit for the exhibits panel, decoded off the GUI thread.

The picture comes from the footage's one owner (core.footage): the keyframe at or before
the time asked, scaled by FFmpeg. This module only wraps it in a QImage.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QImage

THUMB_HEIGHT = 45


def decode_thumbnail(path: Path, at_ms: int = 0) -> QImage:
    """One frame near ``at_ms`` as a QImage that owns its pixels (safe to send between threads)."""
    from bwv_review.core.errors import FootageError
    from bwv_review.core.footage import Footage

    try:
        rgb = Footage.shared(path).thumbnail(at_ms, THUMB_HEIGHT)
    except FootageError:
        image = QImage(96, THUMB_HEIGHT, QImage.Format.Format_RGB888)
        image.fill(Qt.GlobalColor.black)
        return image
    height, width = rgb.shape[:2]
    image = QImage(rgb.data, width, height, rgb.strides[0], QImage.Format.Format_RGB888)
    return image.copy()  # own the pixels: the numpy buffer goes away with this frame
