"""A small still of each exhibit for the exhibits panel, decoded off the GUI thread.

TODO(core.media): move frame grabbing behind core.media when it offers a still-frame call;
until then this reads one frame with PyAV, never cv2 (core.media owns VideoCapture).
"""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage

THUMB_HEIGHT = 45


def decode_thumbnail(path: Path, at_ms: int = 0) -> QImage:
    """One frame near ``at_ms`` as a QImage that owns its pixels (safe to send between threads)."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        if at_ms > 0 and stream.time_base:
            container.seek(int(at_ms / 1000 / stream.time_base), stream=stream, backward=True)
        for frame in container.decode(stream):
            height = THUMB_HEIGHT
            width = max(1, round(frame.width * height / max(1, frame.height)))
            rgb = np.ascontiguousarray(frame.to_ndarray(format="rgb24", width=width, height=height))
            image = QImage(rgb.data, width, height, rgb.strides[0], QImage.Format.Format_RGB888)
            return image.copy()  # own the pixels: the numpy buffer goes away with this frame
    image = QImage(96, THUMB_HEIGHT, QImage.Format.Format_RGB888)
    image.fill(Qt.GlobalColor.black)
    return image
