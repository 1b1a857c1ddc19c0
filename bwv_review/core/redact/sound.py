"""Sound redactions on decoded samples: silence, or a tone in place of the words.

A sample is covered when any part of the time it lasts falls in the interval (rounded
outward, as pictures are). The tone is a 1 kHz sine, the broadcast "bleep", its phase
counted from the start of the file so that it runs on unbroken across decoded frames.
"""

from __future__ import annotations

import math

import numpy as np

from .model import Redaction

TONE_HZ = 1000.0
TONE_LEVEL = 0.25  # -12 dBFS: clearly a tone, not loud enough to startle


def sample_range(redaction: Redaction, first_ms: float, rate: int, count: int) -> tuple[int, int] | None:
    """Samples ``[a, b)`` of a block of ``count`` samples starting at ``first_ms`` that the
    redaction covers; None when it covers none of them."""
    begin = math.floor((redaction.start_ms - first_ms) * rate / 1000.0 + 1e-9)
    end = math.floor((redaction.end_ms - first_ms) * rate / 1000.0 + 1e-9) + 1
    begin, end = max(begin, 0), min(end, count)
    return (begin, end) if end > begin else None


def apply(samples: np.ndarray, first_ms: float, rate: int, redactions: list[Redaction]) -> bool:
    """Silence or tone ``samples`` (channels x n, float) in place; True if anything changed.

    ``first_ms`` is the file time of the first sample (0 = the first video frame).
    """
    changed = False
    count = samples.shape[-1]
    for r in redactions:
        span = sample_range(r, first_ms, rate, count)
        if span is None:
            continue
        a, b = span
        if r.audio == "tone":
            start = round(first_ms * rate / 1000.0) + a
            t = np.arange(start, start + (b - a), dtype=np.float64) / rate
            samples[..., a:b] = (TONE_LEVEL * np.sin(2 * np.pi * TONE_HZ * t)).astype(samples.dtype)
        else:
            samples[..., a:b] = 0
        changed = True
    return changed
