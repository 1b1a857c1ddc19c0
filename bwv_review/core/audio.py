"""An exhibit's sound, for looking at and searching: waveform envelope and speech regions.

Samples come from PyAV: the first audio track, mixed to mono float32 and resampled to
``ANALYSIS_RATE`` (16 kHz: all of speech, a third of the work of 48 kHz), streamed in
chunks so an hour of footage never sits in memory at the camera's rate. Time 0 is the
presentation time of the first video frame (as in core.media): sound that starts before
it is dropped, sound that starts after it (or has gaps) is padded with silence, so
sample ``i`` is always at file time ``i / rate``. A file with no video track is timed from
its first sound. A file with no audio track raises :class:`NoSoundError` (a FootageError):
callers that only want to draw something check ``Exhibit.has_audio`` first.

One decoding pass (``analyse``) makes everything the GUI and alignment need, per 10 ms
block: the waveform's min/max, and a few spectral features (band energies, flatness,
tonality). Both are cached as .npy in the user's cache folder keyed by the footage's
SHA-256 (never beside the evidence), so a file is decoded once however often it is drawn,
searched or aligned.
"""

from __future__ import annotations

import errno
import logging
import os
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np

from .. import paths
from .errors import Cancelled, FootageError

log = logging.getLogger(__name__)

ANALYSIS_RATE = 16000
BLOCK_MS = 10
HOP = ANALYSIS_RATE * BLOCK_MS // 1000  # samples per envelope block / feature frame
WIN = 512  # spectral window (32 ms), centred on its block
LEAD = (WIN - HOP) // 2
CACHE_VERSION = 2
CHUNK_S = 5.0
GAP_S = 0.02  # a jump in audio timestamps bigger than this is a gap, filled with silence

# Feature columns (float16): flatness and tonality over the speech band, speech-band level
# in dB, then NBANDS log10 band energies from 80 Hz to 7.6 kHz (log spaced).
FLATNESS, TONALITY, SPEECH_DB, BAND0 = 0, 1, 2, 3
NBANDS = 16
SPEECH_BAND_HZ = (300.0, 3400.0)

Progress = Callable[[int, int], None]


class NoSoundError(FootageError):
    """Footage with no audio track: there is no waveform to draw or speech to find."""


# -- decoding -----------------------------------------------------------------------
def _open(path: Path):
    if not path.is_file():
        raise FootageError(f"Footage {path} was not found.")
    try:
        return av.open(os.fspath(path), metadata_errors="replace")
    except av.error.FFmpegError as exc:
        raise FootageError(f"{path.name} cannot be read ({exc}).") from exc


def _origin_s(container) -> float:
    """Stream-clock seconds of the first video frame shown, by core.frame_index's rule.

    That is the lowest PTS among packets not marked discard (edit lists), counting from
    the first keyframe when the file has one (a file cut mid-GOP: the decoder skips what
    comes before it). Only the first packets are read: B-frame reordering is shallow.
    """
    if not container.streams.video:
        astream = container.streams.audio[0]
        if astream.start_time is not None and astream.time_base:
            return float(astream.start_time * astream.time_base)
        return 0.0
    vstream = container.streams.video[0]
    base = vstream.time_base
    stamps: list[tuple[int, bool]] = []  # pts, after the first keyframe
    seen_key = False
    after_key = 0
    for packet in container.demux(vstream):
        if packet.size == 0:
            continue
        seen_key = seen_key or bool(packet.is_keyframe)
        after_key += seen_key
        pts = packet.pts if packet.pts is not None else packet.dts
        if not packet.is_discard and pts is not None:
            stamps.append((pts, seen_key))
        if after_key >= 64 or len(stamps) >= 4096:
            break
    if seen_key:
        stamps = [s for s in stamps if s[1]]
    if not stamps:
        return float(vstream.start_time * base) if vstream.start_time is not None else 0.0
    return float(min(pts for pts, _ in stamps) * base)


def _duration_ms(container, origin: float) -> int:
    ends = []
    for stream in container.streams:
        if stream.duration and stream.time_base:
            start = stream.start_time or 0
            ends.append(float((start + stream.duration) * stream.time_base))
    if container.duration:
        ends.append(container.duration / 1e6 + float(container.start_time or 0) / 1e6)
    return max(0, int(round((max(ends) - origin) * 1000))) if ends else 0


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
    owner does, from the frame index): then the file is opened once, not twice.
    ``progress(done_ms, total_ms)`` is called after each chunk; ``cancel()`` returning True
    (or progress raising Cancelled) stops with :class:`Cancelled`.

    Each decoded frame (1024 samples of AAC: 169,000 an hour) costs Python one push into
    an FFmpeg filter graph that converts and resamples it; the graph hands back half a
    second at a time, and the mono mix and placing are done with numpy on those.
    """
    path = Path(path)
    container = _open(path)
    try:
        if not container.streams.audio:
            raise NoSoundError(f"{path.name} has no sound track.")
        origin = origin_s
        if origin is None:
            probe = _open(path)  # a second handle, so finding the origin costs no rewind
            try:
                origin = _origin_s(probe)
            finally:
                probe.close()
        total_ms = _duration_ms(container, origin)
        if end_ms is not None:
            total_ms = min(total_ms, int(end_ms)) if total_ms else int(end_ms)
        astream = container.streams.audio[0]
        first = max(0, int(round(start_ms * rate / 1000)))
        last = None if end_ms is None else max(first, int(round(end_ms * rate / 1000)))
        # A second before the wanted start so the decoder and resampler settle.
        seek_s = origin + start_ms / 1000 - 1.0
        if start_ms > 0 and seek_s > 0:
            container.seek(int(seek_s / astream.time_base), stream=astream, backward=True)
        tb = float(astream.time_base) if astream.time_base else 0.0
        graph = None
        src = sink = None
        shape = None  # (rate, format, layout) of the frames the graph was built for
        native = 0  # the track's own sample rate
        channels = 1
        pos = 0  # output-sample position (file time) of the next resampled sample
        in_next = None  # stream seconds where the next decoded frame should start
        emitted = first
        pending: list[np.ndarray] = []
        pending_len = 0
        pushed = 0  # native samples pushed since the graph was last drained
        chunk = int(chunk_s * rate)

        def place(block: np.ndarray, at: int) -> None:
            nonlocal emitted, pending_len
            if last is not None:
                if emitted >= last:  # the end asked for was reached: nothing more
                    return
                at = min(at, last) if at > emitted else at
            if at > emitted:  # sound starts late or has a gap: silence up to it
                pending.append(np.zeros(at - emitted, np.float32))
                pending_len += at - emitted
                emitted = at
            skip = emitted - at
            if skip >= len(block):
                return
            block = block[skip:]
            if last is not None:
                block = block[: max(0, last - emitted)]
            pending.append(block)
            pending_len += len(block)
            emitted += len(block)

        def drain(final: bool = False) -> None:
            # Pull what the graph has made: few big frames, the mono mix done on each at once.
            nonlocal pos, pushed
            pushed = 0
            if final:
                src.push(None)
            while True:
                try:
                    out = sink.pull()
                except (EOFError, av.error.EOFError):
                    break
                except av.error.FFmpegError as exc:
                    if exc.errno != errno.EAGAIN:
                        raise
                    break
                n = out.samples
                data = np.frombuffer(out.planes[0], np.float32, count=n * channels)
                if channels > 1:
                    data = data.reshape(n, channels).mean(axis=1, dtype=np.float32)
                else:
                    data = data.copy()  # the graph's buffer goes back to its pool with the frame
                place(data, pos)
                pos += n

        def decoded():
            # One list of frames per packet; a damaged packet or tail costs only its sound.
            bad = 0
            try:
                for packet in container.demux(astream):
                    try:
                        yield packet.decode()
                    except av.error.FFmpegError:  # one damaged packet: its time becomes a gap
                        bad += 1
            except av.error.FFmpegError as exc:  # damaged tail: keep what decoded
                log.warning("%s: sound decoding stopped early (%s)", path.name, exc)
            if bad:
                log.warning("%s: %d damaged sound packets skipped (silence there)", path.name, bad)

        for frames in decoded():
            for frame in frames:
                pts = frame.pts
                t = pts * tb if pts is not None else None
                if frame.sample_rate != native or (frame.format.name, frame.layout.name) != shape[1:]:
                    if graph is not None:
                        drain(final=True)
                    native = frame.sample_rate
                    shape = (native, frame.format.name, frame.layout.name)
                    channels = max(1, frame.layout.nb_channels)
                    graph, src, sink = _converter(frame, rate)
                    in_next = None
                    if t is not None:
                        pos = int(round((t - origin) * rate))
                elif t is not None and in_next is not None and t - in_next > GAP_S:
                    src.push(_silence(shape, channels, int(round((t - in_next) * native))))
                n = frame.samples
                in_next = (t if t is not None else in_next or 0.0) + n / native
                src.push(frame)
                pushed += n
            if pushed and pushed >= native // 2:
                drain()
                if last is not None and emitted >= last:
                    break
                if pending_len >= chunk:
                    yield _take(pending)
                    pending_len = 0
                    _report(progress, cancel, emitted, rate, total_ms)
        if graph is not None:
            drain(final=True)
        if last is not None and emitted < last and graph is not None:
            place(np.zeros(0, np.float32), last)  # file ended early: silence to the end asked
        if pending_len:
            yield _take(pending)
        _report(progress, cancel, emitted, rate, total_ms, final=True)
    except av.error.FFmpegError as exc:
        raise FootageError(f"The sound in {path.name} cannot be read ({exc}).") from exc
    finally:
        container.close()


def _converter(frame, rate: int):
    """A filter graph taking frames like ``frame`` to packed float32 at ``rate``, same channels.

    The mono mix is left to numpy (mixing and resampling commute): FFmpeg's own downmix
    weights channels by 1/sqrt(2), not the mean. Frames come out half a second long.
    """
    graph = av.filter.Graph()
    src = graph.add(
        "abuffer", sample_rate=str(frame.sample_rate), sample_fmt=frame.format.name,
        channel_layout=frame.layout.name, time_base=str(frame.time_base or f"1/{frame.sample_rate}"),
    )
    fmt = graph.add("aformat", sample_rates=str(rate), sample_fmts="flt", channel_layouts=frame.layout.name)
    sink = graph.add("abuffersink")
    src.link_to(fmt)
    fmt.link_to(sink)
    graph.configure()
    graph.set_audio_frame_size(max(1, rate // 2))
    return graph, src, sink


_SAMPLE_TYPES = {"u8": np.uint8, "s16": np.int16, "s32": np.int32, "s64": np.int64, "flt": np.float32, "dbl": np.float64}


def _silence(shape, channels: int, n: int):
    """``n`` silent samples in the format and layout of the frames a graph was built for."""
    rate, fmt, layout = shape
    dtype = _SAMPLE_TYPES[fmt.rstrip("p")]
    zero = 128 if dtype is np.uint8 else 0
    planar = fmt.endswith("p")
    data = np.full((channels, n) if planar else (1, n * channels), zero, dtype)
    frame = av.AudioFrame.from_ndarray(data, format=fmt, layout=layout)
    frame.sample_rate = rate
    return frame


def _take(pending: list[np.ndarray]) -> np.ndarray:
    out = np.concatenate(pending) if len(pending) > 1 else pending[0]
    pending.clear()
    return out


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
    narrow = hi <= lo  # low bands narrower than a bin: take the bin they start in
    hi[narrow] = lo[narrow] + 1
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
        block = frames[:, LEAD : LEAD + HOP]
        self.env.append(np.stack([block.min(axis=1), block.max(axis=1)], axis=1))
        spec = np.fft.rfft(frames * self.window, axis=1)
        power = spec.real**2 + spec.imag**2
        sp = power[:, self.speech] + 1e-12
        mean = sp.mean(axis=1)
        flat = np.exp(np.log(sp).mean(axis=1)) / mean
        peak = np.argmax(sp, axis=1)
        rows = np.arange(n)
        near = sum(sp[rows, np.clip(peak + d, 0, sp.shape[1] - 1)] for d in (-1, 0, 1))
        tonal = near / sp.sum(axis=1)
        feat = np.empty((n, BAND0 + NBANDS), np.float32)
        feat[:, FLATNESS] = flat
        feat[:, TONALITY] = tonal
        feat[:, SPEECH_DB] = 10 * np.log10(sp.sum(axis=1) + 1e-9)
        # Sums of bin ranges by cumulative sum, not a matrix product: BLAS threads spin
        # and slow everything on a busy machine for a (n, 257) x (257, 16) product.
        total = np.cumsum(power, axis=1, dtype=np.float64)
        total = np.concatenate([np.zeros((n, 1)), total], axis=1)
        feat[:, BAND0:] = np.log10(np.clip(total[:, self.hi] - total[:, self.lo], 0, None) + 1e-9)
        self.feat.append(feat.astype(np.float16))
        self.pending = self.pending[n * HOP :]
        self.blocks += n


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
    analyser = _Analyser()
    for chunk in iter_mono(path, progress=progress, cancel=cancel, origin_s=origin_s):
        analyser.feed(chunk)
    base, feats = analyser.finish()
    env_file, feat_file = _cache_files(sha256)
    try:  # features first: the envelope file is what says "complete"
        _save(feat_file, feats)
        _save(env_file, base)
    except OSError as exc:  # a full or read-only cache only costs a decode next time
        log.warning("waveform cache not written (%s)", exc)
    return SoundAnalysis(base, feats)
