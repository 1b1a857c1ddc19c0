"""The footage's sound, played through a QAudioSink this program feeds: the clock then knows
which moment of the footage is being heard.

QMediaPlayer reports the position of the sound it hands on to its output, not of the sound
heard: the output's buffers (Qt's and the sound server's) and its time-stretcher delay it by
an amount that depends on the machine and the speed, so following it meant constants fitted
to one machine. Here FFmpeg decodes the sound (``core.sound_decode.playback``: on its
timestamps, sped up with the pitch kept) and this module writes it into a QAudioSink. Sample
k of a run started at footage time T at speed s is heard at T + k * s / rate (atempo's own
lead taken out: core.sound_decode.stretch_lead), and the sink's ``processedUSecs`` says how
much of the run the output has taken. So the heard moment is known from the output's own
account, at every speed and from the first sample after a seek. What it does not include:
in Qt 6.11 it counts what was handed to the platform's output (on PulseAudio, to the server,
whose stream buffer Qt caps at 1024 frames, 21 ms at 48 kHz), so the picture may lead the
sound by up to that buffer; Qt reports no latency to subtract, and no constant is guessed
for it (benchmarks/av_sync.py measures it: +8 to +12 ms at 1x where mpv gives -2 to 0).

The sink and the decoding live in a thread of their own, with its own event loop: a busy GUI
thread never starves the sound. That thread publishes what has been played every few
milliseconds; ``heard()`` (GUI thread) reads it and runs it on by the wall clock since, never
past what was written.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, QThread, QTimer, Signal, Slot

log = logging.getLogger(__name__)

FILL_MS = 5  # how often the sound thread tops the sink up and reads how much was played
BUFFER_MS = 150  # the sink's buffer: longer survives a busier machine, shorter starts sooner
BLOCK = 1024  # samples decoded at a time
# The wall time the heard position may run on past the last report before it waits for the
# next (a stalled output stops the picture too instead of letting it run ahead).
MAX_RUN_ON_MS = 100.0


@dataclass(frozen=True)
class Played:
    """The sound thread's latest account of one run (from one start, at one speed)."""

    run: int  # which start this answers
    start_ms: float  # footage time of the run's first sample
    speed: float
    played_us: int  # of the run's sound, played by the device (processedUSecs)
    at_ns: int  # time.monotonic_ns() when played_us was read
    written_us: int  # of the run's sound, written into the sink
    ended: bool  # the footage's sound is over and all of it played


class SoundOutput(QObject):
    """GUI-thread face of the sound thread: ``start``, ``stop``, ``heard``, volume and mute."""

    failed = Signal(str)  # a sentence: the sound cannot be played (the clock runs without it)
    _start = Signal(int, object, object, float, float)  # run, path, origin_s, from_ms, speed
    _stop = Signal(int)
    _volume = Signal(float)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._run = 0
        self._path: Path | None = None
        self._origin_s: float | None = None
        self._thread = QThread()
        self._thread.setObjectName("bwv-sound")
        self._worker = _SoundWorker()
        self._worker.moveToThread(self._thread)
        self._start.connect(self._worker.start)
        self._stop.connect(self._worker.stop)
        self._volume.connect(self._worker.set_volume)
        self._worker.failed.connect(self.failed)
        self._thread.finished.connect(self._worker.close)
        self._thread.start()
        self._level = 1.0
        self._muted = False

    def set_source(self, path: Path | None, origin_s: float | None = None) -> None:
        self.stop()
        self._path, self._origin_s = path, origin_s

    def start(self, from_ms: float, speed: float) -> None:
        """Play from footage time ``from_ms`` at ``speed``; heard() answers for this run only."""
        if self._path is None:
            return
        self._run += 1
        self._start.emit(self._run, self._path, self._origin_s, float(from_ms), float(speed))

    def stop(self) -> None:
        self._run += 1
        self._stop.emit(self._run)

    def set_volume(self, level: float) -> None:
        self._level = max(0.0, min(1.0, float(level)))
        self._volume.emit(0.0 if self._muted else self._level)

    def set_muted(self, muted: bool) -> None:
        self._muted = bool(muted)
        self._volume.emit(0.0 if self._muted else self._level)

    def heard(self) -> tuple[str, float | None]:
        """("waiting", None) until the device plays the run's first sample; then ("playing",
        footage ms being heard now); ("ended", footage ms) once all the sound was played."""
        played = self._worker.played
        if played is None or played.run != self._run or played.played_us <= 0:
            return "waiting", None
        run_on = (time.monotonic_ns() - played.at_ns) / 1000
        us = played.played_us + max(0.0, min(run_on, MAX_RUN_ON_MS * 1000))
        us = min(us, played.written_us)
        heard = played.start_ms + us / 1000 * played.speed
        return ("ended" if played.ended else "playing"), heard

    def shutdown(self) -> None:
        if self._thread.isRunning():
            self._stop.emit(self._run + 1)
            self._thread.quit()
            self._thread.wait()


class _SoundWorker(QObject):
    """Lives in the sound thread: owns the QAudioSink and the decoding of the run playing."""

    failed = Signal(str)

    def __init__(self) -> None:
        super().__init__()
        self.played: Played | None = None  # read by the GUI thread: replaced whole, never mutated
        self._sink = None
        self._io = None
        self._format = None
        self._timer: QTimer | None = None
        self._blocks = None
        self._pending = b""
        self._run = 0
        self._start_ms = 0.0
        self._speed = 1.0
        self._written = 0  # bytes of this run written
        self._exhausted = False
        self._volume = 1.0

    # -- slots (sound thread) ----------------------------------------------------------------
    @Slot(int, object, object, float, float)
    def start(self, run: int, path: Path, origin_s: float | None, from_ms: float, speed: float) -> None:
        self._halt()
        self._run, self._start_ms, self._speed = run, from_ms, speed
        self.played = None
        try:
            sink = self._ensure_sink()
            from ...core import sound_decode

            fmt = self._format
            track = sound_decode.track(Path(path), origin_s)
            self._blocks = sound_decode.playback(Path(path), track, fmt.sampleRate(), fmt.channelCount(),
                                                 from_ms, speed, BLOCK)
        except Exception as exc:  # noqa: BLE001 - any failure: a sentence, and the clock runs without sound
            self._blocks = None
            self.failed.emit(str(exc).strip() or type(exc).__name__)
            return
        self._pending, self._written, self._exhausted = b"", 0, False
        self._io = sink.start()
        if self._timer is None:
            self._timer = QTimer(self)
            self._timer.setInterval(FILL_MS)
            self._timer.timeout.connect(self._fill)
        self._fill()
        self._timer.start()

    @Slot(int)
    def stop(self, run: int) -> None:
        self._run = run
        self._halt()
        self.played = None

    @Slot(float)
    def set_volume(self, level: float) -> None:
        self._volume = level
        if self._sink is not None:
            self._sink.setVolume(level)

    @Slot()
    def close(self) -> None:
        self._halt()
        if self._sink is not None:
            self._sink.deleteLater()
            self._sink = None

    # -- inside --------------------------------------------------------------------------------
    def _ensure_sink(self):
        if self._sink is None:
            from PySide6.QtMultimedia import QAudioFormat, QAudioSink, QMediaDevices

            device = QMediaDevices.defaultAudioOutput()
            if device.isNull():
                raise RuntimeError("no audio device was found")
            preferred = device.preferredFormat()
            fmt = QAudioFormat()
            fmt.setSampleRate(preferred.sampleRate() if preferred.sampleRate() > 0 else 48000)
            fmt.setChannelCount(1 if preferred.channelCount() == 1 else 2)
            fmt.setSampleFormat(QAudioFormat.SampleFormat.Float)
            if not device.isFormatSupported(fmt):
                fmt.setSampleFormat(QAudioFormat.SampleFormat.Int16)
            self._format = fmt
            self._sink = QAudioSink(device, fmt, self)
            self._sink.setBufferSize(fmt.bytesForDuration(BUFFER_MS * 1000))
            self._sink.setVolume(self._volume)
            # Its errors are read in _fill (this thread, every FILL_MS): stateChanged may come
            # from the sound server's own thread, with an argument PySide cannot queue.
        return self._sink

    def _halt(self) -> None:
        if self._timer is not None:
            self._timer.stop()
        if self._sink is not None:
            self._sink.stop()  # drops what is buffered: the next run starts clean
        self._io = None
        self._blocks = None

    def _encoded(self, block: np.ndarray) -> bytes:
        from PySide6.QtMultimedia import QAudioFormat

        if self._format.sampleFormat() == QAudioFormat.SampleFormat.Int16:
            return (np.clip(block, -1.0, 1.0) * 32767).astype("<i2").tobytes()
        return np.ascontiguousarray(block, dtype="<f4").tobytes()

    def _fill(self) -> None:
        sink, io = self._sink, self._io
        if sink is None or io is None:
            return
        if self._device_failed():
            return
        free = sink.bytesFree()
        while free > 0:
            if not self._pending:
                try:
                    block = next(self._blocks, None) if not self._exhausted else None
                except Exception as exc:  # noqa: BLE001 - damage part-way: the sound ends there
                    log.warning("The sound stopped early: %s", exc)
                    block = None
                if block is None:
                    self._exhausted = True
                    break
                self._pending = self._encoded(block)
            wrote = io.write(self._pending[:free])
            if wrote <= 0:
                break
            self._pending = self._pending[wrote:]
            self._written += wrote
            free -= wrote
        fmt = self._format
        played = sink.processedUSecs()
        written_us = fmt.durationForBytes(self._written)
        ended = self._exhausted and not self._pending and played >= written_us
        self.played = Played(self._run, self._start_ms, self._speed, played, time.monotonic_ns(), written_us, ended)
        if ended and self._timer is not None:
            self._timer.stop()

    def _device_failed(self) -> bool:
        """Whether the output has failed; if so, stop and say so once."""
        from PySide6.QtMultimedia import QtAudio

        reason = {QtAudio.Error.OpenError: "the audio device could not be opened",
                  QtAudio.Error.IOError: "the audio device stopped taking sound",
                  QtAudio.Error.FatalError: "the audio device failed"}.get(self._sink.error())
        if reason is None:
            return False
        self._halt()
        self.failed.emit(reason)
        return True
