"""Stills for reports: an exact frame, with what it is written in a margin below it.

The picture itself is never drawn on: the caption goes into a black strip added under it,
so nothing in the frame is hidden and the pixels above the strip are the decoded frame.
Used by ``bwv-review still --burn-in`` and by exports that put a still under a key
utterance.
"""

from __future__ import annotations

import math
import os
import tempfile
from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import ReviewError
from .timecode import format_ms

if TYPE_CHECKING:
    import numpy as np

FONT = 0  # cv2.FONT_HERSHEY_SIMPLEX (cv2 loads only when a caption is drawn)
TEXT = (255, 255, 255)
MARGIN = (0, 0, 0)


def shown_ms(time_ms: float) -> int:
    """A frame's time in whole ms, rounded *up*: typing it back finds the same frame.

    (The frame is on screen from its presentation time until the next frame's, so the
    first whole millisecond at or after it is a moment when this frame is shown.)
    """
    return int(math.ceil(time_ms - 1e-6))


@dataclass
class Caption:
    """What a still says about itself."""

    time_ms: float
    frame: int
    exhibit: str | None = None
    clock: datetime | None = None  # aware, already in the case's time zone
    deinterlaced: bool = False  # shown deinterlaced at the reviewer's request, not as decoded

    def lines(self) -> list[str]:
        first = f"File time {format_ms(shown_ms(self.time_ms))}   Frame {self.frame}"
        if self.exhibit:
            first = f"Exhibit {self.exhibit}   " + first
        if self.deinterlaced:
            first += "   DEINTERLACED for viewing (not the picture as recorded)"
        lines = [first]
        if self.clock is not None:
            stamp = self.clock.strftime("%Y-%m-%d %H:%M:%S")
            stamp += f".{self.clock.microsecond // 1000:03d}"
            offset = self.clock.strftime("%z")
            zone = self.clock.tzname() or ""
            lines.append(f"Clock {stamp} {zone} (UTC{offset[:3]}:{offset[3:]})".replace("  ", " "))
        return lines


def burn_in(image: np.ndarray, lines: list[str]) -> np.ndarray:
    """``image`` (RGB, H x W x 3) with a margin strip below holding ``lines`` of text."""
    import cv2  # picture work only: drawing the caption text
    import numpy as np

    height, width = image.shape[:2]
    lines = [_printable(line) for line in lines if line]
    scale = max(0.35, width / 1400)
    thickness = max(1, round(scale * 1.6))
    widest = max((cv2.getTextSize(line, FONT, scale, thickness)[0][0] for line in lines), default=0)
    if widest > width - 16:  # a narrow picture: shrink the text to fit, not the picture
        scale *= (width - 16) / widest
        thickness = max(1, round(scale * 1.6))
    (_, text_h), baseline = cv2.getTextSize("Ag", FONT, scale, thickness)
    line_h = text_h + baseline + max(4, text_h // 2)
    pad = max(6, line_h // 3)
    strip = np.empty((pad * 2 + line_h * len(lines), width, 3), np.uint8)
    strip[:] = MARGIN
    for n, line in enumerate(lines):
        y = pad + n * line_h + text_h
        cv2.putText(strip, line, (8, y), FONT, scale, TEXT, thickness, cv2.LINE_AA)
    return np.ascontiguousarray(np.vstack([image, strip]))


def _printable(text: str) -> str:
    # The built-in Hershey font has ASCII only; anything else would draw as "?" anyway.
    return "".join(ch if 32 <= ord(ch) < 127 else "?" for ch in text)


def write_png(image: np.ndarray, target: Path | str, overwrite: bool = False) -> Path:
    """Write an RGB picture as PNG, atomically (temp file then rename); never half a file."""
    target = _check_target(Path(target), overwrite)
    try:
        data = encode_png(image)
    except ValueError as exc:
        raise ReviewError(f"The still could not be encoded as PNG for {target.name} ({exc}).") from exc
    return write_png_bytes(data, target, overwrite)


def _check_target(target: Path, overwrite: bool) -> Path:
    if target.suffix.lower() != ".png":
        raise ReviewError(f"{target.name} should end in .png; stills are written as PNG.")
    if target.exists() and not overwrite:
        raise ReviewError(f"{target} already exists; choose another name or use --force to replace it.")
    if not target.parent.is_dir():
        raise ReviewError(f"Folder {target.parent} does not exist.")
    return target


def encode_png(image, rotation: int = 0) -> bytes:
    """A picture as PNG bytes, by FFmpeg's PNG encoder (the one ``ffmpeg`` uses).

    ``image``: an RGB array (H x W x 3), or a decoded ``av.VideoFrame`` (converted to RGB
    and turned ``rotation`` degrees clockwise by FFmpeg's own filters, no numpy needed).
    """
    import av

    if isinstance(image, av.VideoFrame):
        frame = _display_rgb(image, rotation)
    else:
        import numpy as np

        rgb = np.ascontiguousarray(image, dtype=np.uint8)
        if rgb.ndim != 3 or rgb.shape[2] != 3:
            raise ValueError(f"a picture must be H x W x 3, not {rgb.shape}")
        frame = av.VideoFrame.from_ndarray(rgb, format="rgb24")
    codec = av.CodecContext.create("png", "w")
    codec.width, codec.height, codec.pix_fmt = frame.width, frame.height, "rgb24"
    # zlib level 3 with Paeth prediction: a third of the time of level 6, files as small.
    codec.options = {"compression_level": "3", "pred": "paeth"}
    try:
        packets = [*codec.encode(frame), *codec.encode(None)]
    except av.error.FFmpegError as exc:
        raise ValueError(str(exc)) from exc
    return b"".join(bytes(p) for p in packets)


_TURN = {90: "transpose=clock", 180: "hflip,vflip", 270: "transpose=cclock"}


def _display_rgb(frame, rotation: int):
    """``frame`` as rgb24, turned for display by FFmpeg's transpose/flip filters."""
    import av

    rgb = frame.reformat(format="rgb24")
    if not rotation:
        return rgb
    graph = av.filter.Graph()
    src = graph.add_buffer(width=rgb.width, height=rgb.height, format="rgb24", time_base=Fraction(1, 1000))
    chain = [src, *(graph.add(*part.split("=", 1)) for part in _TURN[rotation].split(","))]
    sink = graph.add("buffersink")
    for a, b in zip(chain, [*chain[1:], sink], strict=True):
        a.link_to(b)
    graph.configure()
    rgb.pts = 0
    src.push(rgb)
    return sink.pull()


def write_png_bytes(data: bytes, target: Path | str, overwrite: bool = False) -> Path:
    """Write PNG bytes (``encode_png``) atomically: temp file then rename; never half a file."""
    target = _check_target(Path(target), overwrite)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.stem}-", suffix=".png.tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if overwrite:
            Path(tmp).replace(target)
        else:
            _place_new(Path(tmp), target)
    finally:
        Path(tmp).unlink(missing_ok=True)
    return target


def _place_new(tmp: Path, target: Path) -> None:
    """Rename into place only if nothing is there yet (a hard link cannot clobber)."""
    try:
        os.link(tmp, target)
    except FileExistsError as exc:
        raise ReviewError(f"{target} already exists; choose another name or use --force to replace it.") from exc
    except OSError:  # a file system without hard links: check, then rename
        if target.exists():
            raise ReviewError(f"{target} already exists; choose another name or use --force to replace it.") from None
        Path(tmp).replace(target)
