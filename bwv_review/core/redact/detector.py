"""The face detector: CenterFace, run by OpenCV's own DNN module on the CPU.

CenterFace (Xu et al. 2019) is a small anchor-free network trained on WIDER FACE, built
for exactly this: faces at every scale, in crowds, turned away, blurred. Its model ships
with bwv-review (resources/models, with where it came from); it is checked against its
SHA-256 before it is loaded, so a swapped file is refused, not trusted. No TensorFlow,
torch or extra runtime: ``cv2.dnn`` from opencv-python-headless runs it.

The network sees the picture at a reduced size whose sides are multiples of 32; it
answers with a heat map of face centres a quarter of that size, and for each centre the
box's size (log scale) and a sub-cell offset. Centres above the threshold become boxes,
overlapping boxes are merged by non-maximum suppression, and boxes are scaled back to the
picture's pixels.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from importlib import resources

import cv2
import numpy as np

from ..errors import ReviewError
from .model import Box

MODEL = "centerface.onnx"
MODEL_SHA256 = "09189deaaf8646c5c51a68447e3c744ea1e211798155d4728c20507b9f5aefbc"
NAME = "centerface"
THRESHOLD = 0.35  # recall first: a suggestion is checked by a reviewer, a miss is not
NMS_IOU = 0.3
STRIDE = 4

_net_lock = threading.Lock()
_model_bytes: bytes | None = None


@dataclass(frozen=True)
class Detection:
    box: Box  # pixels of the picture given
    score: float


def _model() -> bytes:
    global _model_bytes
    if _model_bytes is None:
        _model_bytes = checked(resources.files("bwv_review.resources").joinpath("models", MODEL).read_bytes())
    return _model_bytes


def checked(data: bytes) -> bytes:
    """``data`` if it is the model bwv-review ships; a sentence for the reviewer otherwise."""
    if hashlib.sha256(data).hexdigest() != MODEL_SHA256:
        raise ReviewError(
            f"The face model {MODEL} is not the one bwv-review ships (its SHA-256 differs); "
            "reinstall bwv-review. No faces were looked for."
        )
    return data


class FaceDetector:
    """One network, for one thread at a time (cv2.dnn nets are not thread-safe)."""

    def __init__(self, threshold: float = THRESHOLD):
        self.threshold = threshold
        with _net_lock:
            data = np.frombuffer(_model(), np.uint8)
            self._net = cv2.dnn.readNetFromONNX(data)
        self._outputs = self._net.getUnconnectedOutLayersNames()

    @staticmethod
    def input_size(width: int, height: int, longest: int) -> tuple[int, int]:
        """The network's input for a ``width`` x ``height`` picture: the longer side about
        ``longest`` pixels, both sides multiples of 32, the shape kept as far as that allows."""
        scale = min(1.0, longest / max(width, height))
        return (max(32, int(round(width * scale / 32)) * 32), max(32, int(round(height * scale / 32)) * 32))

    def detect(self, rgb: np.ndarray) -> list[Detection]:
        """Faces in an RGB picture already at the network's input size (see input_size)."""
        height, width = rgb.shape[:2]
        if width % 32 or height % 32:
            raise ValueError("the picture's sides must be multiples of 32 (see input_size)")
        blob = cv2.dnn.blobFromImage(rgb, 1.0, (width, height), (0, 0, 0), swapRB=False, crop=False)
        self._net.setInput(blob)
        heat, scale, offset = self._net.forward(self._outputs)[:3]
        return self._decode(heat[0, 0], scale[0], offset[0], width, height)

    def _decode(self, heat, scale, offset, width: int, height: int) -> list[Detection]:
        ys, xs = np.nonzero(heat > self.threshold)
        if not len(ys):
            return []
        h = np.exp(scale[0, ys, xs]) * STRIDE
        w = np.exp(scale[1, ys, xs]) * STRIDE
        cy = (ys + offset[0, ys, xs] + 0.5) * STRIDE
        cx = (xs + offset[1, ys, xs] + 0.5) * STRIDE
        x0 = np.clip(cx - w / 2, 0, width)
        y0 = np.clip(cy - h / 2, 0, height)
        x1 = np.clip(cx + w / 2, 0, width)
        y1 = np.clip(cy + h / 2, 0, height)
        scores = heat[ys, xs].astype(float)
        rects = [[float(a), float(b), float(c - a), float(d - b)] for a, b, c, d in zip(x0, y0, x1, y1, strict=True)]
        keep = cv2.dnn.NMSBoxes(rects, scores.tolist(), self.threshold, NMS_IOU)
        return [Detection(Box(*rects[i]), float(scores[i])) for i in np.asarray(keep).reshape(-1)
                if rects[i][2] > 1 and rects[i][3] > 1]
