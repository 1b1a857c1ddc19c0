"""An exhibit's sound, for looking at and searching: waveform envelope and speech regions.

Samples come from PyAV: the first audio track, mixed to mono float32 and resampled to
``ANALYSIS_RATE`` (16 kHz: all of speech, a third of the work of 48 kHz), streamed in
chunks so an hour of footage never sits in memory at the camera's rate. Time 0 is the
presentation time of the first video frame (as in core.media): sound that starts before
it is dropped, sound that starts after it (or has gaps) is padded with silence, so
sample ``i`` is always at file time ``i / rate`` (where packets overlap, as at the joins of
concatenated recordings, the overlap is dropped: core.sound_decode). A file with no video
track is timed from its first sound. A file with no audio track raises :class:`NoSoundError` (a FootageError):
callers that only want to draw something check ``Exhibit.has_audio`` first.

One decoding pass (``analyse``) makes everything the GUI and alignment need, per 10 ms
block: the waveform's min/max, and a few spectral features (band energies, flatness,
tonality). Both are cached as .npy in the user's cache folder keyed by the footage's
SHA-256 (never beside the evidence), so a file is decoded once however often it is drawn,
searched or aligned.
"""

from __future__ import annotations

import logging
import os
import threading
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np

from .. import paths
from . import sound_decode
from .errors import Cancelled, FootageError
from .sound_decode import NoSoundError as NoSoundError  # callers catch it as audio.NoSoundError

log = logging.getLogger(__name__)

ANALYSIS_RATE = 16000
BLOCK_MS = 10
HOP = ANALYSIS_RATE * BLOCK_MS // 1000  # samples per envelope block / feature frame
WIN = 512  # spectral window (32 ms), centred on its block
LEAD = (WIN - HOP) // 2
CACHE_VERSION = 3  # 3: sound kept on its timestamps where packets overlap (core.sound_decode)
CHUNK_S = 5.0

# Feature columns (float16): flatness and tonality over the speech band, speech-band level
# in dB, then NBANDS log10 band energies from 80 Hz to 7.6 kHz (log spaced).
FLATNESS, TONALITY, SPEECH_DB, BAND0 = 0, 1, 2, 3
NBANDS = 16
SPEECH_BAND_HZ = (300.0, 3400.0)

Progress = Callable[[int, int], None]


# -- decoding (core.sound_decode) -----------------------------------------------------
def iter_mono(
    path: Path | str,
    rate: int = ANALYSIS_RATE,
    start_ms: float = 0,
    end_ms: float | None = None,
    progress: Progress | None = None,
    cancel: Callable[[], bool] | None = None,
    chunk_s: float = CHUNK_S,
    origin_s: float | None = None,
) -> Iterator[np.ndarray]:
    """Mono float32 chunks that, joined, are the sound from ``start_ms`` to ``end_ms`` (or its end).

    ``origin_s``: the stream-clock time of frame 0 when the caller knows it (the footage
    owner does, from the frame index); otherwise it is found from the file's first packets.
    ``progress(done_ms, total_ms)`` is called after each chunk; ``cancel()`` returning True
    (or progress raising Cancelled) stops with :class:`Cancelled`.

    From the start, FFmpeg decodes the whole track and hands back a chunk at a time; where
    its movie source stops (a damaged packet, a format change part-way), the rest is
    decoded frame by frame from the sample reached (core.sound_decode). A window from
    later in the file is decoded frame by frame after a seek on the sound track: the
    movie source seeks on the pictures, and after that seek was measured placing Opus
    sound in Matroska 1 ms late.
    """
    path = Path(path)
    track = sound_decode.track(path, origin_s)
    total_ms = track.total_ms
    if end_ms is not None:
        total_ms = min(total_ms, int(end_ms)) if total_ms else int(end_ms)
    first = max(0, int(round(start_ms * rate / 1000)))
    last = None if end_ms is None else max(first, int(round(end_ms * rate / 1000)))
    placed = sound_decode.Placed(first, last)
    chunk = max(1, int(chunk_s * rate))

    def seek_s(sample: int) -> float | None:
        # A second before the wanted sample so the decoder and resampler settle.
        return track.origin_s + sample / rate - 1.0 if sample > 0 else None

    def run(blocks) -> Iterator[np.ndarray]:
        for data, at in blocks:
            placed.place(data, at)
            if placed.done:
                break
            if len(placed) >= chunk:
                yield placed.take()
                _report(progress, cancel, placed.emitted, rate, total_ms)

    def blocks(source, sample: int):
        seek = seek_s(sample)
        found = source(path, track, rate, chunk, seek)
        return found if seek is None else _unless_late(found, lambda: source(path, track, rate, chunk, None), sample)

    try:
        if first > 0:  # a window (alignment): short, and seeking on the sound track itself is exact
            yield from run(blocks(sound_decode.packet_blocks, first))
        else:
            try:
                yield from run(sound_decode.movie_blocks(path, track, rate, chunk))
            except av.error.FFmpegError as exc:
                log.info("%s: decoding the sound frame by frame from %.3f s (%s)", path.name,
                         placed.emitted / rate, exc)
                yield from run(blocks(sound_decode.packet_blocks, placed.emitted))
    except av.error.FFmpegError as exc:
        raise FootageError(f"The sound in {path.name} cannot be read ({exc}).") from exc
    if last is not None and placed.emitted < last:
        placed.place(np.zeros(0, np.float32), last)  # file ended early: silence to the end asked
    if len(placed):
        yield placed.take()
    _report(progress, cancel, placed.emitted, rate, total_ms, final=True)


def _unless_late(blocks, from_start, sample: int):
    """``blocks`` after a seek, unless the seek landed past ``sample``: then from the start.

    A seek goes to a keyframe a second before the sample wanted; one that lands after it
    (an index that misleads the demuxer) would otherwise show sound as silence.
    """
    for data, at in blocks:
        if at > sample:
            blocks.close()
            yield from from_start()
            return
        yield data, at
        break
    yield from blocks


def _report(progress, cancel, emitted, rate, total_ms, final=False) -> None:
    if cancel is not None and cancel():
        raise Cancelled("Reading the sound was cancelled.")
    if progress is not None:
        done = int(emitted * 1000 / rate)
        progress(max(done, total_ms) if final else min(done, total_ms or done), total_ms or done)


def read_mono(path: Path | str, start_ms: float, end_ms: float, rate: int = ANALYSIS_RATE,
              origin_s: float | None = None) -> np.ndarray:
    """The sound between two file times, exactly ``(end_ms - start_ms) * rate`` samples."""
    chunks = list(iter_mono(path, rate, start_ms, end_ms, origin_s=origin_s))
    data = np.concatenate(chunks) if chunks else np.zeros(0, np.float32)
    want = int(round(end_ms * rate / 1000)) - max(0, int(round(start_ms * rate / 1000)))
    return np.pad(data, (0, max(0, want - len(data))))[:want]


# -- one analysis pass --------------------------------------------------------------
def _band_bins() -> tuple[np.ndarray, np.ndarray, slice]:
    """FFT-bin ranges [lo, hi) of the NBANDS bands, and the speech band's bins."""
    freqs = np.fft.rfftfreq(WIN, 1 / ANALYSIS_RATE)
    edges = np.searchsorted(freqs, np.geomspace(80.0, 7600.0, NBANDS + 1))
    lo, hi = edges[:-1].copy(), edges[1:].copy()
    # Every band holds at least one bin and each starts where the one below ends (at 16 kHz
    # and 512 bins the lowest band, 80-106 Hz, holds one): the analyser sums them in place.
    assert (hi > lo).all() and (lo[1:] == hi[:-1]).all(), "bands must be contiguous and non-empty"
    speech = np.searchsorted(freqs, SPEECH_BAND_HZ)
    return lo, hi, slice(int(speech[0]), int(speech[1]))


class _Analyser:
    """Turns a stream of samples into per-block min/max and features, in step."""

    def __init__(self):
        self.pending = np.zeros(LEAD, np.float32)
        self.total = 0
        self.blocks = 0
        self.env: list[np.ndarray] = []
        self.feat: list[np.ndarray] = []
        self.window = np.hanning(WIN).astype(np.float32)
        self.lo, self.hi, self.speech = _band_bins()

    def feed(self, samples: np.ndarray) -> None:
        self.pending = np.concatenate([self.pending, samples])
        self.total += len(samples)
        if len(self.pending) >= WIN:
            n = (len(self.pending) - WIN) // HOP + 1
            self._frames(n)

    def finish(self) -> tuple[np.ndarray, np.ndarray]:
        left = -(-self.total // HOP) - self.blocks
        if left > 0:
            self.pending = np.concatenate([self.pending, np.zeros(WIN + left * HOP, np.float32)])
            self._frames(left)
        env = np.concatenate(self.env) if self.env else np.zeros((0, 2), np.float32)
        feat = np.concatenate(self.feat) if self.feat else np.zeros((0, BAND0 + NBANDS), np.float16)
        return env, feat

    def _frames(self, n: int) -> None:
        frames = np.lib.stride_tricks.sliding_window_view(self.pending, WIN)[::HOP][:n]
        block = self.pending[LEAD : LEAD + n * HOP].reshape(n, HOP)  # each frame's own 10 ms
        self.env.append(np.stack([block.min(axis=1), block.max(axis=1)], axis=1))
        # In float64, rounded back to float32: numpy's float32 FFT was measured 2 to 5 times
        # slower here, and the features come out the same to the last float16 bit.
        spec = np.fft.rfft((frames * self.window).astype(np.float64), axis=1).astype(np.complex64)
        power = spec.real**2 + spec.imag**2
        sp = power[:, self.speech] + 1e-12
        level = sp.sum(axis=1)
        flat = np.exp(np.log(sp).mean(axis=1)) / (level / sp.shape[1])
        peak = np.argmax(sp, axis=1)
        rows = np.arange(n)
        near = sum(sp[rows, np.clip(peak + d, 0, sp.shape[1] - 1)] for d in (-1, 0, 1))
        feat = np.empty((n, BAND0 + NBANDS), np.float32)
        feat[:, FLATNESS] = flat
        feat[:, TONALITY] = near / level
        feat[:, SPEECH_DB] = 10 * np.log10(level + 1e-9)
        # Band sums in float64 over the bins in place (the bands are contiguous), not a
        # matrix product: BLAS threads spin and slow everything on a busy machine.
        bands = np.add.reduceat(power[:, self.lo[0] : self.hi[-1]], self.lo - self.lo[0], axis=1, dtype=np.float64)
        feat[:, BAND0:] = np.log10(bands + 1e-9)
        self.feat.append(feat.astype(np.float16))
        self.pending = self.pending[n * HOP :]
        self.blocks += n


def _analysed(chunks: Iterator[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Envelope and features of ``chunks``, worked out beside the decoding.

    FFmpeg decodes on this thread (holding the GIL) while numpy works out the features of
    the chunks before on another (numpy lets go of the GIL while it computes): on two
    cores the features then cost little more than the decoding. At most a few chunks
    wait, so memory stays bounded; they are fed in order.
    """
    analyser = _Analyser()
    waiting: deque[Future] = deque()
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="bwv-sound-features") as pool:
        try:
            for chunk in chunks:
                waiting.append(pool.submit(analyser.feed, chunk))
                while len(waiting) > 2:
                    waiting.popleft().result()
            while waiting:
                waiting.popleft().result()
        finally:
            for job in waiting:  # cancelled or failed: drop what has not started
                job.cancel()
    return analyser.finish()


@dataclass
class SoundAnalysis:
    """Everything one decoding pass found, per 10 ms block from file time 0."""

    base: np.ndarray  # (blocks, 2) float32: min and max of each block
    features: np.ndarray  # (blocks, BAND0 + NBANDS) float16

    @property
    def duration_ms(self) -> int:
        return len(self.base) * BLOCK_MS

    def envelope(self, start_ms: float, end_ms: float, columns: int) -> tuple[np.ndarray, np.ndarray]:
        return envelope(self.base, start_ms, end_ms, columns)

    def speech_regions(self, **tuning) -> list[tuple[int, int]]:
        from .speech import speech_regions  # speech builds on this module's feature layout

        return speech_regions(self.features, **tuning)


def envelope(base: np.ndarray, start_ms: float, end_ms: float, columns: int) -> tuple[np.ndarray, np.ndarray]:
    """Min and max of the sound under each of ``columns`` equal slices of [start_ms, end_ms).

    Each column reduces the 10 ms blocks it covers; when a column is narrower than a block
    (zoomed in past 10 ms) it takes that block's values. Columns before the start or after
    the end of the sound are 0.
    """
    columns = int(columns)
    mins = np.zeros(max(columns, 0), np.float32)
    maxs = np.zeros(max(columns, 0), np.float32)
    if columns <= 0 or end_ms <= start_ms or len(base) == 0:
        return mins, maxs
    edges = np.linspace(start_ms, end_ms, columns + 1) / BLOCK_MS
    first = np.floor(edges[:-1]).astype(np.int64)
    stop = np.maximum(np.ceil(edges[1:]).astype(np.int64), first + 1)
    inside = (stop > 0) & (first < len(base))
    if not inside.any():
        return mins, maxs
    first = np.clip(first, 0, len(base) - 1)
    stop = np.clip(stop, 1, len(base))
    cols = np.flatnonzero(inside)
    lo, hi = first[cols], stop[cols]
    seg = base[lo[0] : hi.max()]
    idx = lo - lo[0]
    # reduceat takes each column up to the next one's first block; a block straddling
    # the boundary belongs to both (a peak must never vanish), hence the extra last block.
    last = base[hi - 1]
    mins[cols] = np.minimum(np.minimum.reduceat(seg[:, 0], idx), last[:, 0])
    maxs[cols] = np.maximum(np.maximum.reduceat(seg[:, 1], idx), last[:, 1])
    return mins, maxs


# -- cache --------------------------------------------------------------------------
def _cache_files(sha256: str) -> tuple[Path, Path]:
    folder = paths.cache_dir("waveform")
    stem = f"{sha256.lower()}.v{CACHE_VERSION}"
    return folder / f"{stem}.envelope.npy", folder / f"{stem}.features.npy"


def cached_analysis(sha256: str) -> SoundAnalysis | None:
    """The analysis of footage with this SHA-256 if it was made before (no decoding)."""
    env_file, feat_file = _cache_files(sha256)
    if not (env_file.is_file() and feat_file.is_file()):
        return None
    try:
        base = np.load(env_file, mmap_mode="r")
        feats = np.load(feat_file, mmap_mode="r")
    except (OSError, ValueError) as exc:
        log.warning("ignoring unreadable waveform cache %s (%s)", env_file.name, exc)
        return None
    if base.ndim != 2 or base.shape[1] != 2 or feats.shape != (len(base), BAND0 + NBANDS):
        return None
    return SoundAnalysis(base, feats)


def _save(path: Path, array: np.ndarray) -> None:
    # pid and thread: a GUI worker and a CLI run may write the same entry at once
    tmp = path.with_name(path.name + f".{os.getpid()}.{threading.get_ident()}.tmp")
    with tmp.open("wb") as handle:
        np.save(handle, array)
    tmp.replace(path)


def analyse(
    path: Path | str,
    sha256: str,
    progress: Progress | None = None,
    cancel: Callable[[], bool] | None = None,
    origin_s: float | None = None,
) -> SoundAnalysis:
    """Waveform and features of ``path`` (whose SHA-256 is given), decoding only if not cached."""
    found = cached_analysis(sha256)
    if found is not None:
        return found
    base, feats = _analysed(iter_mono(path, progress=progress, cancel=cancel, origin_s=origin_s))
    env_file, feat_file = _cache_files(sha256)
    try:  # features first: the envelope file is what says "complete"
        _save(feat_file, feats)
        _save(env_file, base)
    except OSError as exc:  # a full or read-only cache only costs a decode next time
        log.warning("waveform cache not written (%s)", exc)
    return SoundAnalysis(base, feats)
