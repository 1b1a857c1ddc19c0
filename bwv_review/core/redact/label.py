"""The optional line burned into a redacted copy ("Redacted copy of AB/1, 2024-05-01").

Drawn once, as a light-on-dark strip at the bottom left of the picture as shown, then
turned into the coded orientation and copied onto each frame's planes: a few hundred
bytes per frame, no text drawing in the loop. Grey levels only, so the colour planes are
simply neutral under the strip.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from .model import Box
from .render import Orientation, Plane

FONT = cv2.FONT_HERSHEY_SIMPLEX


@dataclass(frozen=True)
class Label:
    luma: np.ndarray  # grey levels 0..255 in coded orientation (even height and width)
    x: int  # top-left in coded pixels (even)
    y: int

    def draw(self, planes: list[Plane], full_range: bool) -> None:
        lo, hi = (0, 255) if full_range else (16, 235)
        h, w = self.luma.shape
        luma = planes[0].array
        luma[self.y:self.y + h, self.x:self.x + w] = (lo + self.luma.astype(np.uint16) * (hi - lo) // 255).astype(np.uint8)
        for plane in planes[1:]:
            s = plane.scale
            plane.array[self.y // s:(self.y + h) // s, self.x // s:(self.x + w) // s] = 128

    @property
    def coded_box(self) -> Box:
        return Box(self.x, self.y, self.luma.shape[1], self.luma.shape[0])


def printable(text: str) -> str:
    # The built-in Hershey font has ASCII only; anything else would draw as "?" anyway.
    return "".join(ch if 32 <= ord(ch) < 127 else "?" for ch in text)


def make_label(text: str, orientation: Orientation) -> Label:
    """The strip for ``text`` placed at the bottom left of the picture as shown."""
    width, height = orientation.shown_size
    text = printable(text)
    scale = max(0.35, width / 1600)
    thickness = max(1, round(scale * 1.6))
    (text_w, text_h), baseline = cv2.getTextSize(text, FONT, scale, thickness)
    if text_w > width - 24:  # a narrow picture: smaller text, never a cut-off line
        scale *= (width - 24) / text_w
        thickness = max(1, round(scale * 1.6))
        (text_w, text_h), baseline = cv2.getTextSize(text, FONT, scale, thickness)
    pad = max(4, text_h // 2)
    strip_w = min(width, _even(text_w + 2 * pad))
    strip_h = min(height, _even(text_h + baseline + 2 * pad))
    strip = np.zeros((strip_h, strip_w), np.uint8)
    cv2.putText(strip, text, (pad, pad + text_h), FONT, scale, 255, thickness, cv2.LINE_AA)
    margin = _even(max(2, height // 60))
    shown = Box(min(margin, width - strip_w) & ~1, max(0, height - strip_h - margin) & ~1, strip_w, strip_h)
    coded = orientation.to_coded(shown)
    # np.rot90 turns counter-clockwise: undoing a clockwise display rotation.
    luma = np.ascontiguousarray(np.rot90(strip, k=(orientation.rotation % 360) // 90))
    return Label(luma, int(coded.x) & ~1, int(coded.y) & ~1)


def _even(value: int) -> int:
    return int(value) + (int(value) % 2)
