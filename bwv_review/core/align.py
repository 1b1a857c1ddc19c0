"""Where one recording sits on another's clock, found from the sound they share.

Two cameras at one incident hear the same voices, doors and sirens, at different levels
and under different noise. Both are reduced to an onset envelope at 100 Hz (how much
louder each of 16 frequency bands just got: level and microphone colour cancel out),
and the envelopes are cross-correlated (FFT) with each lag normalised by the overlap it
has, so a recording that is a small part of the other is found as well as a full one.
That lag (10 ms steps) is then refined to a fraction of a millisecond by GCC-PHAT on the
raw 16 kHz sound in a few busy windows.

``offset_ms`` says where REF's time 0 falls on REF2's file time, so REF's recording
start is REF2's start plus ``offset_ms``. ``confidence`` (0..1) says how far the best
match stands above the best match anywhere else: unrelated recordings, or sound that
repeats (a siren), score low, and :func:`align_files` refuses them instead of guessing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, timedelta
from pathlib import Path

import numpy as np

from . import audio
from .errors import Cancelled, FootageError, ReviewError
from .model import Exhibit
from .store import CaseStore
from .timecode import format_instant, format_ms, parse_instant

MIN_CONFIDENCE = 0.35
FRAME_MS = audio.BLOCK_MS
MIN_OVERLAP_FRAMES = 1000  # 10 s of shared time, or all of the shorter recording
EXCLUDE_FRAMES = 50  # "somewhere else" means more than 0.5 s from the best match
WINDOW_MS = 4000  # raw-sound windows for the fine step
SEARCH_MS = 120  # how far the fine step may move the coarse answer (clock drift included)
WINDOWS = 5


class NoSharedSound(ReviewError):  # noqa: N818 - reads as what it reports
    """Alignment refused: the best match is not clearly better than chance."""


@dataclass
class Alignment:
    offset_ms: float  # REF's time 0 is at this file time of REF2
    confidence: float  # 0..1: 1 - (best match elsewhere / best match), each scaled by overlap
    peak: float  # normalised correlation of the envelopes at the match
    overlap_ms: int  # how long the two recordings run together
    coarse_ms: float  # the envelope answer, before the fine step
    refined: bool  # whether the raw sound agreed on a finer answer
    # How much the offset grows per second of REF (µs/s): camera clocks are not perfect,
    # and over half an hour 50 ppm is 90 ms. offset_ms is the value at REF's time 0.
    drift_ppm: float = 0.0

    def drift_ms(self) -> float:
        """How far apart the clocks move over the time the two recordings share."""
        return abs(self.drift_ppm) * self.overlap_ms / 1e6

    def describe(self) -> str:
        sign = "-" if self.offset_ms < 0 else "+"
        return f"{sign}{format_ms(round(abs(self.offset_ms)))} ({self.offset_ms:+.1f} ms)"


def onset_envelope(features: np.ndarray) -> np.ndarray:
    """Per 10 ms: how much the sound's bands rose (spectral flux), slow drift removed, unit variance."""
    bands = np.asarray(features[:, audio.BAND0 :], np.float32)
    if len(bands) < 2:
        return np.zeros(len(bands), np.float32)
    flux = np.diff(bands, axis=0, prepend=bands[:1]).clip(min=0).sum(axis=1)
    width = min(101, len(flux))
    trend = np.convolve(np.pad(flux, width // 2, mode="edge"), np.ones(width) / width, mode="valid")
    flux = flux - trend[: len(flux)]
    return (flux / (flux.std() + 1e-9)).astype(np.float32)


def _ncc(x: np.ndarray, y: np.ndarray, min_overlap: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Lags k (x[i] matches y[i + k]), correlation normalised over each lag's overlap, overlaps."""
    n, m = len(x), len(y)
    size = 1 << int(np.ceil(np.log2(n + m)))
    corr = np.fft.irfft(np.fft.rfft(y, size) * np.conj(np.fft.rfft(x, size)), size)
    lags = np.arange(-(n - 1), m)
    c = np.concatenate([corr[size - (n - 1) :], corr[:m]]) if n > 1 else corr[:m]
    cx = np.concatenate([[0.0], np.cumsum(x.astype(np.float64) ** 2)])
    cy = np.concatenate([[0.0], np.cumsum(y.astype(np.float64) ** 2)])
    i0 = np.maximum(0, -lags)
    i1 = np.minimum(n, m - lags)
    energy = (cx[i1] - cx[i0]) * (cy[i1 + lags] - cy[i0 + lags])
    ncc = c / np.sqrt(energy + 1e-9)
    ncc[(i1 - i0) < min(min_overlap, n, m)] = -1.0
    return lags, ncc, i1 - i0


def coarse_alignment(ref: audio.SoundAnalysis, ref2: audio.SoundAnalysis) -> Alignment:
    """The envelope match alone (10 ms steps, interpolated): no decoding, from cached analyses."""
    x, y = onset_envelope(ref.features), onset_envelope(ref2.features)
    if len(x) < 100 or len(y) < 100:
        raise ReviewError("A recording is shorter than a second; there is too little sound to align.")
    lags, ncc, overlaps = _ncc(x, y, MIN_OVERLAP_FRAMES)
    # Chance correlation over n frames is about 1/sqrt(n): judge matches by that scale, so
    # a 10 s overlap that correlates by luck does not beat a long true one.
    score = ncc * np.sqrt(np.maximum(overlaps, 1))
    best = int(np.argmax(score))
    peak = float(ncc[best])
    elsewhere = np.abs(lags - lags[best]) > EXCLUDE_FRAMES
    second = float(score[elsewhere].max()) if elsewhere.any() else 0.0
    top = float(score[best])
    confidence = 0.0 if top <= 0 else float(np.clip(1 - max(second, 0.0) / top, 0, 1))
    shift = 0.0
    if 0 < best < len(ncc) - 1:  # parabola through the peak and its neighbours
        a, b, c = score[best - 1], score[best], score[best + 1]
        denom = a - 2 * b + c
        shift = float(np.clip(0.5 * (a - c) / denom, -0.5, 0.5)) if denom < 0 else 0.0
    offset = float((lags[best] + shift) * FRAME_MS)
    return Alignment(offset, confidence, peak, int(overlaps[best]) * FRAME_MS, offset, False)


def _busy_windows(env: np.ndarray, lo_ms: float, hi_ms: float) -> list[float]:
    """Start times (REF ms) of the busiest window in each of WINDOWS equal stretches of [lo, hi).

    Spread over the shared time, not all in its loudest minute, so drift shows.
    """
    width = WINDOW_MS // FRAME_MS
    lo, hi = int(np.ceil(lo_ms / FRAME_MS)), int(hi_ms // FRAME_MS) - width
    if hi <= lo:
        return []
    energy = np.convolve(np.clip(env, 0, None) ** 2, np.ones(width), mode="valid")
    bounds = np.linspace(lo, hi, WINDOWS + 1).astype(int)
    starts = []
    for a, b in zip(bounds[:-1], bounds[1:], strict=True):
        if b > a and energy[a:b].max() > 0:
            starts.append((a + int(np.argmax(energy[a:b]))) * FRAME_MS)
    return starts


def _gcc_phat(a: np.ndarray, b: np.ndarray, max_lag: int) -> tuple[float, float]:
    """Lag j (samples, fractional) where b[i + j] matches a[i], 0 <= j <= max_lag; and its sharpness."""
    size = 1 << int(np.ceil(np.log2(len(a) + len(b))))
    spec = np.fft.rfft(b, size) * np.conj(np.fft.rfft(a, size))
    r = np.fft.irfft(spec / (np.abs(spec) + 1e-12), size)[: max_lag + 1]
    j = int(np.argmax(r))
    sharp = float(r[j] / (np.sqrt(np.mean(r**2)) + 1e-12))
    shift = 0.0
    if 0 < j < max_lag:
        p, q, s = r[j - 1], r[j], r[j + 1]
        denom = p - 2 * q + s
        shift = float(np.clip(0.5 * (p - s) / denom, -0.5, 0.5)) if denom < 0 else 0.0
    return j + shift, sharp


def refine(coarse: Alignment, ref_path: Path, ref2_path: Path, ref: audio.SoundAnalysis, ref2: audio.SoundAnalysis) -> Alignment:
    """The coarse answer, moved to where the raw sound lines up best in windows across the overlap."""
    rate = audio.ANALYSIS_RATE
    off = coarse.offset_ms
    lo = max(0.0, -off) + SEARCH_MS
    hi = min(ref.duration_ms, ref2.duration_ms - off) - SEARCH_MS
    points = []  # (REF ms at the window's middle, offset there)
    origin_a, origin_b = _origin_s(ref_path), _origin_s(ref2_path)  # each file opened once per window
    for start in _busy_windows(onset_envelope(ref.features), lo, hi):
        a0 = int(round(start * rate / 1000))
        b0 = int(round((start + off - SEARCH_MS) * rate / 1000))
        span = WINDOW_MS * rate // 1000
        reach = 2 * SEARCH_MS * rate // 1000
        a = audio.read_mono(ref_path, a0 * 1000 / rate, (a0 + span) * 1000 / rate, origin_s=origin_a)
        b = audio.read_mono(ref2_path, b0 * 1000 / rate, (b0 + span + reach) * 1000 / rate, origin_s=origin_b)
        lag, sharp = _gcc_phat(a, b, reach)
        if sharp > 8.0:
            points.append((start + WINDOW_MS / 2, (b0 + lag - a0) * 1000 / rate))
    if not points:
        return coarse
    t, o = np.array(points).T
    fine, drift = float(np.median(o)), 0.0
    if len(points) >= 3 and np.ptp(o) > 2.0:
        slope, at_zero = np.polyfit(t, o, 1)
        if np.abs(o - (at_zero + slope * t)).max() < 2.0:  # a straight line: the clocks drift
            fine, drift = float(at_zero), float(slope * 1e6)
        # otherwise one window matched an echo or a wrong sound: the median ignores it
    return Alignment(fine, coarse.confidence, coarse.peak, coarse.overlap_ms, off, True, drift)


def _origin_s(path: Path) -> float | None:
    """Frame 0's stream time from the footage owner's (cached) index; None: let audio find it."""
    from .footage import Footage

    try:
        index = Footage.shared(path).info.index
    except FootageError:
        return None
    return index.origin_s if index is not None else None


def align_files(
    ref_path: Path | str,
    ref_sha256: str,
    ref2_path: Path | str,
    ref2_sha256: str,
    min_confidence: float = MIN_CONFIDENCE,
    progress: audio.Progress | None = None,
    cancel: Callable[[], bool] | None = None,
) -> Alignment:
    """Where REF's time 0 falls on REF2's file time; ReviewError when there is no clear match."""
    ref_path, ref2_path = Path(ref_path), Path(ref2_path)
    jobs = [(p, sha) for p, sha in ((ref_path, ref_sha256), (ref2_path, ref2_sha256)) if audio.cached_analysis(sha) is None]
    for n, (path, sha) in enumerate(jobs):  # progress: per mille of the decoding still to do

        def report(done: int, total: int, n: int = n) -> None:
            if progress is not None:
                progress(int(1000 * (n + (done / total if total else 1))), 1000 * len(jobs))

        audio.analyse(path, sha, progress=report, cancel=cancel)
    ref = audio.analyse(ref_path, ref_sha256)
    ref2 = audio.analyse(ref2_path, ref2_sha256)
    coarse = coarse_alignment(ref, ref2)
    if coarse.confidence < min_confidence:
        raise NoSharedSound(
            f"The two recordings do not share enough sound to line them up (confidence "
            f"{coarse.confidence:.2f}, below {min_confidence:.2f}); line them up by hand on an "
            "event both show or both hear instead."
        )
    if cancel is not None and cancel():
        raise Cancelled("Alignment was cancelled.")
    return refine(coarse, ref_path, ref2_path, ref, ref2)


def start_from(ref2_start: str, offset_ms: float) -> str:
    """REF's recording start (ISO 8601, UTC, ms) from REF2's start and the offset."""
    instant = parse_instant(ref2_start).astimezone(UTC) + timedelta(milliseconds=round(offset_ms))
    return format_instant(instant)


def set_start_from(
    store: CaseStore, ref: str, ref2: str, offset_ms: float, actor: str, source: str = "aligned"
) -> Exhibit:
    """Store REF's recording start as REF2's plus ``offset_ms``: one audited change.

    ``source`` is "aligned" (found by sound, perhaps nudged by the reviewer: action
    exhibit.align) or "offset" (typed: action exhibit.start); REF's start_source becomes
    e.g. "aligned:AB/1", so the chronology can say where a clock time came from.
    """
    exhibit, other = store.exhibit(ref), store.exhibit(ref2)
    if exhibit.id == other.id:
        raise ReviewError(f"Exhibit {exhibit.ref} cannot be timed from itself; choose another exhibit.")
    if not other.recording_start:
        raise ReviewError(f"Exhibit {other.ref} has no recording start yet; set that first.")
    if source not in ("aligned", "offset"):
        raise ValueError(f"unknown start source {source!r}")
    return store.update_exhibit(
        exhibit.ref,
        actor,
        action="exhibit.align" if source == "aligned" else "exhibit.start",
        recording_start=start_from(other.recording_start, offset_ms),
        start_source=f"{source}:{other.ref}",
    )
