"""What the timeline shows, as plain values: marks, redaction spans, the whole-file waveform."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(slots=True)  # one per mark: 100,000 in a big case
class Marker:
    annotation_id: int
    start_ms: int
    end_ms: int | None
    colour: str  # "#rrggbb"
    label: str = ""


@dataclass(frozen=True)
class RedactionSpan:
    redaction_id: int
    start_ms: int
    end_ms: int
    kind: str  # "picture" or "sound"
    suggested: bool
    label: str = ""


class WholeFileWaveform:
    """Min/max arrays spread evenly over the footage, reduced per pixel column on demand."""

    def __init__(self, mins, maxs, duration_ms: int) -> None:
        import numpy as np  # not at import: the start page needs no numpy

        self.mins = np.asarray(mins, np.float32)
        self.maxs = np.asarray(maxs, np.float32)
        self.duration_ms = max(1, int(duration_ms))

    def envelope(self, start_ms: float, end_ms: float, columns: int):
        import numpy as np

        n = len(self.mins)
        mins = np.zeros(columns, np.float32)
        maxs = np.zeros(columns, np.float32)
        if not n or columns <= 0 or end_ms <= start_ms:
            return mins, maxs
        edges = np.linspace(start_ms, end_ms, columns + 1) * n / self.duration_ms
        lo = np.clip(np.floor(edges[:-1]).astype(int), 0, n)
        hi = np.clip(np.maximum(np.ceil(edges[1:]).astype(int), lo + 1), 0, n)
        for col in np.nonzero(hi > lo)[0]:
            mins[col] = self.mins[lo[col]:hi[col]].min()
            maxs[col] = self.maxs[lo[col]:hi[col]].max()
        return mins, maxs
