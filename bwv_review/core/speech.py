"""Where people are speaking, from the features one pass of core.audio computed.

The detector works per 10 ms block on the speech-band level, spectral flatness and
tonality (see ``core.audio`` for the feature layout), with hysteresis, merging and
minimum-length rules; ``next_region`` / ``previous_region`` serve the N and P keys.
"""

from __future__ import annotations

import numpy as np

from .audio import BLOCK_MS, FLATNESS, SPEECH_DB, TONALITY, WIN

# A full-scale sine through the analysis window, in the SPEECH_DB scale.
_FULL_SCALE_DB = float(20 * np.log10(np.hanning(WIN).sum() / 2))


def speech_regions(
    features: np.ndarray,
    high_db: float = 6.0,
    low_db: float = 4.0,
    max_flatness: float = 0.35,
    max_tonality: float = 0.5,
    merge_gap_ms: int = 600,
    min_ms: int = 250,
    pad_ms: int = 40,
) -> list[tuple[int, int]]:
    """Where people seem to be speaking, as (start_ms, end_ms) pairs in file time.

    Level in the speech band is measured against a running noise floor. A region is a run
    of frames above ``low_db`` that holds voiced frames: above ``high_db``, harmonic (low
    spectral flatness: not hiss, wind or traffic) but not one pure tone (an alarm, a
    beep). Runs closer than ``merge_gap_ms`` join (pauses between words); regions shorter
    than ``min_ms`` and long steady sounds (level barely moving, as speech never is) drop.
    """
    f = np.asarray(features, np.float32)
    if len(f) == 0:
        return []
    level = f[:, SPEECH_DB]
    snr = level - _noise_floor(level)
    voiced = (snr > high_db) & (f[:, FLATNESS] < max_flatness) & (f[:, TONALITY] < max_tonality)
    regions: list[list[int]] = []
    for a, b in _runs(snr > low_db):
        if voiced[a:b].sum() < 3:
            continue
        if regions and a - regions[-1][1] <= merge_gap_ms // BLOCK_MS:
            regions[-1][1] = b
        else:
            regions.append([a, b])
    out = []
    pad = pad_ms // BLOCK_MS
    for a, b in regions:
        if (b - a) * BLOCK_MS < min_ms:
            continue
        if b - a > 100 and np.std(level[a:b]) < 3.0:
            continue
        out.append((max(0, a - pad) * BLOCK_MS, min(len(f), b + pad) * BLOCK_MS))
    return out


def _noise_floor(level: np.ndarray, block: int = 100, reach: int = 5) -> np.ndarray:
    """Per frame: the quietest of the 1 s blocks' 10th percentiles within ``reach`` s."""
    n = len(level)
    count = -(-n // block)
    padded = np.pad(level, (0, count * block - n), mode="edge").reshape(count, block)
    quiet = np.percentile(padded, 10, axis=1)
    window = np.lib.stride_tricks.sliding_window_view(np.pad(quiet, reach, mode="edge"), 2 * reach + 1)
    floor = np.maximum(window.min(axis=1), _FULL_SCALE_DB - 60.0)
    return np.repeat(floor, block)[:n]


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    edges = np.flatnonzero(np.diff(np.concatenate([[0], mask.astype(np.int8), [0]])))
    return list(zip(edges[::2].tolist(), edges[1::2].tolist(), strict=True))


def next_region(regions: list[tuple[int, int]], at_ms: float) -> tuple[int, int] | None:
    """The first region starting after ``at_ms`` (the N key), or None at the last."""
    for region in regions:
        if region[0] > at_ms:
            return region
    return None


def previous_region(regions: list[tuple[int, int]], at_ms: float, grace_ms: int = 500) -> tuple[int, int] | None:
    """The region before the one playing (the P key), as a player's "previous track" works.

    Within ``grace_ms`` of a region's start, P goes to the region before it, so pressing P
    twice steps back twice instead of returning to the same start.
    """
    before = [r for r in regions if r[0] < at_ms - grace_ms]
    return before[-1] if before else None
