"""An exhibit's sound, decoded to mono float32 at an analysis rate by FFmpeg filter graphs.

Two ways to the same samples, both ending in the same filter chain (``_tail``):

* **The whole track in FFmpeg** (``movie_blocks``): FFmpeg's ``amovie`` source demuxes and
  decodes the track inside the filter graph, so Python sees one block per chunk (5 s), not
  one step per AAC frame (169,000 an hour). An hour then costs about what
  ``ffmpeg -i F -map 0:a -f null -`` costs.
* **Frame by frame from Python** (``packet_blocks``): PyAV demuxes and decodes, and pushes
  each frame into the same chain. It is the way on where the movie source stops: a packet
  its decoder rejects (here a damaged packet costs only its own sound, as silence), or a
  track whose sample rate or channels change part-way (lavfi cannot follow that; the chain
  is built again for the new format).

Timing is the same both ways. ``aresample`` keeps the sound on its timestamps
(``async=1``): where they jump ahead by more than ``GAP_S`` (dropped or damaged packets)
it inserts silence, where they jump back (overlapping packets, as at each join of
recordings concatenated without re-encoding) it drops the overlap, so the sound never
drifts from the pictures, whose times come from the same timestamps. Jitter below
``GAP_S`` (timestamps rounded to the millisecond in Matroska) is left alone. Each block
carries the file-clock sample where it starts; the caller places it against frame 0.
"""

from __future__ import annotations

import errno
import functools
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np

from .errors import FootageError

log = logging.getLogger(__name__)

GAP_S = 0.02  # timestamps further apart than this from the sound's own count: silence or a drop


class NoSoundError(FootageError):
    """Footage with no audio track: there is no waveform to draw or speech to find."""


@dataclass(frozen=True)
class Track:
    """What decoding needs to know of a file's first sound track, read from its header."""

    index: int  # stream index in the container
    origin_s: float  # stream-clock time of frame 0 (the frame index's origin)
    total_ms: int  # the file's length from frame 0, for progress


def open_container(path: Path):
    if not path.is_file():
        raise FootageError(f"Footage {path} was not found.")
    try:
        return av.open(os.fspath(path), metadata_errors="replace")
    except av.error.FFmpegError as exc:
        raise FootageError(f"{path.name} cannot be read ({exc}).") from exc


def track(path: Path, origin_s: float | None = None) -> Track:
    """The first sound track of ``path`` (NoSoundError if there is none); one open of the file."""
    container = open_container(path)
    try:
        if not container.streams.audio:
            raise NoSoundError(f"{path.name} has no sound track.")
        origin = origin_s if origin_s is not None else origin_of(container)
        return Track(container.streams.audio[0].index, origin, _duration_ms(container, origin))
    except av.error.FFmpegError as exc:
        raise FootageError(f"The sound in {path.name} cannot be read ({exc}).") from exc
    finally:
        container.close()


def origin_of(container) -> float:
    """Stream-clock seconds of the first video frame shown, by core.frame_index's rule.

    That is the lowest PTS among packets not marked discard (edit lists), counting from
    the first keyframe when the file has one (a file cut mid-GOP: the decoder skips what
    comes before it). Only the first packets are read: B-frame reordering is shallow.
    A file with no video track is timed from its first sound.
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


# -- the shared chain ---------------------------------------------------------------------
def _tail(graph, source, rate: int, block: int, layout: str | None = None):
    """source -> on its timestamps, at ``rate``, packed float32 (channels kept) -> ``block``-sample frames.

    The mono mix is left to numpy (mixing and resampling commute): FFmpeg's own downmix
    weights channels by 1/sqrt(2), not the mean.
    """
    resample = graph.add("aresample", **{"out_sample_rate": str(rate), "async": "1", "min_hard_comp": str(GAP_S)})
    fmt = graph.add("aformat", **({"sample_fmts": "flt"} | ({"channel_layouts": layout} if layout else {})))
    size = graph.add("asetnsamples", n=str(max(1, block)), p="0")
    sink = graph.add("abuffersink")
    source.link_to(resample)
    resample.link_to(fmt)
    fmt.link_to(size)
    size.link_to(sink)
    graph.configure()
    return sink


def _mono(frame) -> np.ndarray:
    n = frame.samples
    channels = max(1, frame.layout.nb_channels)
    data = np.frombuffer(frame.planes[0], np.float32, count=n * channels)
    if channels > 1:
        return data.reshape(n, channels).mean(axis=1, dtype=np.float32)
    return data.copy()  # the graph's buffer goes back to its pool with the frame


def _channels(frame) -> np.ndarray:
    """The frame's packed float32 samples as (n, channels), copied out of the graph's pool."""
    channels = max(1, frame.layout.nb_channels)
    return np.frombuffer(frame.planes[0], np.float32, count=frame.samples * channels).reshape(-1, channels).copy()


def _pulled(sink) -> Iterator:
    """Frames the chain has ready (ends at EAGAIN: it wants more input; or at the end)."""
    while True:
        try:
            yield sink.pull()
        except (EOFError, av.error.EOFError):
            return
        except av.error.FFmpegError as exc:
            if exc.errno != errno.EAGAIN:
                raise
            return


def _blocks(frames, rate: int, origin_s: float, mix: bool = True) -> Iterator[tuple[np.ndarray, int]]:
    """(mono block, or (n, channels) without ``mix``; where its first sample is in samples
    from frame 0), from the chain's frames.

    Blocks are counted on one after another; a block's own timestamp (in 1/rate) moves
    the count only when it differs by more than GAP_S (the first block; a chain built
    again), so rounding in the stamps never makes a one-sample click or gap.
    """
    pos = None
    for frame in frames:
        at = None if frame.pts is None else int(round(frame.pts - origin_s * rate))
        if pos is None or (at is not None and abs(at - pos) > GAP_S * rate):
            pos = at if at is not None else (pos or 0)
        data = _mono(frame) if mix else _channels(frame)
        yield data, pos
        pos += len(data)


def movie_blocks(path: Path, track: Track, rate: int, block: int) -> Iterator[tuple[np.ndarray, int]]:
    """The whole track, decoded inside FFmpeg (amovie) from the start of the file.

    Raises av's FFmpegError where the movie source stops (a packet its decoder rejects, a
    format change part-way): the caller goes on with ``packet_blocks``.
    """
    graph = av.filter.Graph()
    # Options as a dictionary: no escaping of the path (colons, quotes, Windows drives).
    sink = _tail(graph, graph.add("amovie", filename=os.fspath(path), si=str(track.index)), rate, block)
    yield from _blocks(_pulled(sink), rate, track.origin_s)


def packet_blocks(path: Path, track: Track, rate: int, block: int, seek_s: float | None = None,
                  layout: str | None = None) -> Iterator[tuple[np.ndarray, int]]:
    """The same blocks, demuxed and decoded by PyAV a frame at a time (the way on past damage).
    ``layout`` ("mono", "stereo"): (n, channels) blocks in that layout, not mixed to mono."""
    frames = _packet_frames(path, track, rate, block, seek_s, layout)
    yield from _blocks(frames, rate, track.origin_s, mix=layout is None)


def _packet_frames(path: Path, track: Track, rate: int, block: int, seek_s: float | None,
                   layout: str | None = None) -> Iterator:
    container = open_container(path)
    try:
        astream = container.streams[track.index]
        if seek_s is not None and seek_s > 0 and astream.time_base:
            container.seek(int(seek_s / astream.time_base), stream=astream, backward=True)
        src = sink = None
        shape = None  # (rate, format, layout) the chain was built for
        for frame in _decoded(container, astream, path.name):
            now = (frame.sample_rate, frame.format.name, frame.layout.name)
            if now != shape:
                if src is not None:  # the format changed part-way: finish, build again
                    src.push(None)
                    yield from _pulled(sink)
                shape = now
                graph = av.filter.Graph()
                src = graph.add("abuffer", sample_rate=str(now[0]), sample_fmt=now[1], channel_layout=now[2],
                                time_base=str(frame.time_base or f"1/{now[0]}"))
                sink = _tail(graph, src, rate, block, layout or now[2])
            src.push(frame)
            yield from _pulled(sink)
        if src is not None:
            src.push(None)
            yield from _pulled(sink)
    finally:
        container.close()


def _decoded(container, astream, name: str) -> Iterator:
    # Frames packet by packet; a damaged packet or tail costs only its sound.
    bad = 0
    try:
        for packet in container.demux(astream):
            try:
                yield from packet.decode()
            except av.error.FFmpegError:  # one damaged packet: its time becomes a gap
                bad += 1
    except av.error.FFmpegError as exc:  # damaged tail: keep what decoded
        log.warning("%s: sound decoding stopped early (%s)", name, exc)
    if bad:
        log.warning("%s: %d damaged sound packets skipped (silence there)", name, bad)


# -- placing blocks on the clock ----------------------------------------------------------
class Placed:
    """Blocks laid on the file's sample clock from ``first`` to ``last`` (exclusive, or open):
    silence where the sound starts late or has a gap, nothing twice. Blocks are mono, or
    (n, channels) when ``channels`` is given."""

    def __init__(self, first: int, last: int | None, channels: int = 0):
        self.emitted = first  # the next sample to hand out
        self.last = last
        self.channels = channels
        self.pending: list[np.ndarray] = []
        self.count = 0

    def __len__(self) -> int:
        return self.count

    @property
    def done(self) -> bool:
        return self.last is not None and self.emitted >= self.last

    def place(self, block: np.ndarray, at: int) -> None:
        if self.done:  # the end asked for was reached: nothing more
            return
        if self.last is not None and at > self.emitted:
            at = min(at, self.last)
        if at > self.emitted:  # sound starts late or has a gap: silence up to it
            gap = at - self.emitted
            self._add(np.zeros((gap, self.channels) if self.channels else gap, np.float32))
        skip = self.emitted - at
        if skip >= len(block):
            return
        block = block[skip:] if skip > 0 else block
        if self.last is not None:
            block = block[: max(0, self.last - self.emitted)]
        self._add(block)

    def _add(self, block: np.ndarray) -> None:
        self.pending.append(block)
        self.count += len(block)
        self.emitted += len(block)

    def take(self) -> np.ndarray:
        out = np.concatenate(self.pending) if len(self.pending) > 1 else self.pending[0]
        self.pending.clear()
        self.count = 0
        return out


# -- for playing --------------------------------------------------------------------------
def _tempo_chain(speed: float) -> list[float]:
    """atempo factors whose product is ``speed`` (FFmpeg's atempo takes 0.5 to 100 each)."""
    factors = []
    while speed < 0.5:
        factors.append(0.5)
        speed /= 0.5
    return [*factors, speed]


def playback(path: Path, track: Track, rate: int, channels: int, start_ms: float, speed: float = 1.0,
             block: int = 1024) -> Iterator[np.ndarray]:
    """The sound from ``start_ms`` (frame-0 clock) on, to be played: float32 (n, channels) at
    ``rate``, ``speed`` times as fast with the pitch kept (FFmpeg's atempo).

    The first sample is the sound at ``start_ms`` (silence where the file has none yet), and
    each sample after it is ``speed / rate`` seconds of footage later: a player that knows
    which sample is being heard knows which moment of the footage is heard. Decoded a frame
    at a time after a seek on the sound track, on its timestamps as everywhere else.
    """
    layout = "mono" if channels == 1 else "stereo"
    first = max(0, int(round(start_ms * rate / 1000)))
    placed = Placed(first, None, channels)
    seek = track.origin_s + start_ms / 1000 - 0.5 if start_ms > 500 else None
    stretch = _Stretch(rate, layout, speed) if abs(speed - 1.0) > 1e-9 else None
    for data, at in packet_blocks(path, track, rate, block, seek, layout):
        placed.place(data, at)
        if len(placed) >= block:
            chunk = placed.take()
            yield from (stretch.push(chunk) if stretch else (chunk,))
    if len(placed):
        chunk = placed.take()
        yield from (stretch.push(chunk) if stretch else (chunk,))
    if stretch:
        yield from stretch.push(None)


@functools.lru_cache(maxsize=16)
def stretch_lead(rate: int, speed: float) -> int:
    """Samples of footage by which atempo's output runs ahead of ``k * speed``, measured.

    atempo (WSOLA over windows of about 1/24 s) lays each window's sound out from the
    window's start, so a sound comes out about half a window of footage early: 35 ms too
    soon at 0.5x, 8 ms at 2x, where the picture is timed by ``k * speed / rate``. The lead
    is FFmpeg's, not this machine's, so it is measured here, once per rate and speed: tone
    bursts at known moments are stretched and the median of where each rises to half its
    height is taken (the alignment search moves single bursts by a few milliseconds).
    """
    at = [0.25 + 0.41 * i for i in range(9)]  # spaced unevenly against the window
    x = np.zeros((int((at[-1] + 0.5) * rate), 1), np.float32)
    burst = np.arange(int(0.06 * rate)) / rate
    for t in at:
        start = int(round(t * rate))
        x[start : start + len(burst), 0] = 0.8 * np.sin(2 * np.pi * 1000 * burst)
    stretch = _Stretch(rate, "mono", speed, lead=0)
    out = [y for i in range(0, len(x), 4096) for y in stretch.push(x[i : i + 4096])]
    level = np.abs(np.concatenate([*out, *stretch.push(None)])[:, 0])
    leads = []
    for t in at:
        near = int((t - 0.06) / speed * rate)  # no burst comes out more than 60 ms of footage early
        rise = np.flatnonzero(level[near : near + int(0.2 / speed * rate)] > 0.4)
        if len(rise):
            leads.append(t * rate - (near + rise[0]) * speed)
    return max(0, int(round(float(np.median(leads))))) if leads else 0


class _Stretch:
    """FFmpeg's atempo over blocks of (n, channels) float32: faster or slower, same pitch,
    output sample k being the sound at input sample ``k * speed`` (atempo's own lead is
    taken out by starting it on ``stretch_lead`` samples of silence)."""

    def __init__(self, rate: int, layout: str, speed: float, lead: int | None = None):
        self.lead = stretch_lead(rate, speed) if lead is None else lead
        self.graph = av.filter.Graph()
        self.layout = layout
        self.rate = rate
        self.src = self.graph.add("abuffer", sample_rate=str(rate), sample_fmt="flt", channel_layout=layout,
                                  time_base=f"1/{rate}")
        last = self.src
        for factor in _tempo_chain(speed):
            tempo = self.graph.add("atempo", tempo=f"{factor:.6f}")
            last.link_to(tempo)
            last = tempo
        self.sink = self.graph.add("abuffersink")
        last.link_to(self.sink)
        self.graph.configure()
        self.pts = 0

    def push(self, chunk: np.ndarray | None) -> Iterator[np.ndarray]:
        if chunk is None:
            self.src.push(None)
        else:
            if self.lead:
                chunk = np.concatenate([np.zeros((self.lead, chunk.shape[1]), np.float32), chunk])
                self.lead = 0
            frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(chunk).reshape(1, -1), format="flt",
                                               layout=self.layout)
            frame.sample_rate = self.rate
            frame.pts = self.pts
            self.pts += len(chunk)
            self.src.push(frame)
        for out in _pulled(self.sink):
            yield _channels(out)
