"""The playback clock: which file time the picture should show now.

With a sound track and a sound device, the sound is the master: the footage's sound plays
through this program's own output (``sound_out.SoundOutput``), which knows from the device
which moment of the footage is being heard, and the clock is that moment, at every speed
the sound plays at and from the first sample after a seek. Until that first sample is heard
the picture holds where playing started (a seek shows its frame at once); if the sound does
not start within SOUND_START_PATIENCE_MS, fails, or ends before the footage does, the clock
runs on from there on a QElapsedTimer. Without sound (no track, no device) the clock is
the timer alone, and one quiet notice says why. Above MAX_SOUND_SPEED the player skims: the
sound is muted and the clock is the timer.

Frames come from the exact decoder, which follows this clock and drops frames rather than
let it slip.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from PySide6.QtCore import QElapsedTimer, QObject, Signal
from PySide6.QtGui import QGuiApplication

NO_TRACK = "No sound: this footage has no audio track."
NO_DEVICE = "No sound: no audio device was found, so the picture runs on its own clock."
SOUND_FAILED = "No sound: the audio could not be played ({reason}); the picture runs on its own clock."

SOUND_LATE = ("No sound this time: the audio device did not start playing within {seconds:g} s; the picture "
              "runs on its own clock until playing starts again.")

# How long the picture waits for the sound to be heard before it runs without it. A device
# that is already running starts in tens of milliseconds; one that was idle may take longer
# (measured: 1.5-2.0 s on an idle PulseAudio null sink, with a bare QAudioSink too).
SOUND_START_PATIENCE_MS = 3000.0

SPEEDS = (0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 2.0, 3.0, 4.0, 8.0, 16.0)
MIN_SPEED, MAX_SPEED = SPEEDS[0], SPEEDS[-1]
# Above this the player skims (keyframes only) and the sound is muted: no one follows
# speech at 8x, and the picture runs on the timer.
MAX_SOUND_SPEED = 4.0


def sound_server_reachable() -> bool:
    """Whether asking Qt for audio devices can work here without filling the log.

    Offscreen and minimal platforms (tests, servers) have no one to listen. On Linux, Qt's
    backends are PipeWire then PulseAudio: with neither socket present, probing them only
    logs connection failures, so the answer is no without asking.
    """
    platform = QGuiApplication.platformName() if QGuiApplication.instance() else ""
    if platform in ("offscreen", "minimal", "vnc"):
        return False
    if not sys.platform.startswith("linux") or os.environ.get("QT_AUDIO_BACKEND"):
        return True
    if os.environ.get("PULSE_SERVER") or os.environ.get("PIPEWIRE_REMOTE"):
        return True
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    if not runtime:
        return False
    base = Path(runtime)
    return (base / "pipewire-0").exists() or (base / "pulse" / "native").exists()


def audio_device_available() -> bool:
    if not sound_server_reachable():
        return False
    from PySide6.QtMultimedia import QMediaDevices

    return not QMediaDevices.defaultAudioOutput().isNull()


class PlaybackClock(QObject):
    """Media time in ms (float) while playing; set_media, start, stop, seek, set_rate."""

    notice = Signal(str)
    soundChanged = Signal(bool)  # True while the sound is the master clock

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._elapsed = QElapsedTimer()
        self._anchor_ms = 0.0  # media time at the anchor (timer running, or stopped)
        self._floor_ms = 0.0  # where playing started or last seeked to
        self._rate = 1.0
        self._running = False
        self._last_ms = 0.0  # never go backwards while running
        self._output = None  # sound_out.SoundOutput, made when a file with sound opens
        self._device_checked = False
        self._device_ok = False
        self._no_device_said = False
        self._sound = False
        self._on_timer = False  # this run: the sound did not start, or ended; the timer leads
        self._closed = False

    # -- media ------------------------------------------------------------------------------
    def set_media(self, path: Path | None, has_audio: bool, origin_s: float | None = None) -> None:
        """Use ``path``'s sound as the clock when it has some and a device can play it.
        ``origin_s``: the stream-clock time of frame 0 (the frame index's), when known."""
        self.stop()
        self._set_sound(False)
        if self._output is not None:
            self._output.set_source(None)
        if path is None or self._closed:
            return
        if not has_audio:
            self.notice.emit(NO_TRACK)
            return
        if not self._device_checked:
            self._device_checked = True
            self._device_ok = audio_device_available()
        if not self._device_ok:
            if not self._no_device_said:
                self._no_device_said = True
                self.notice.emit(NO_DEVICE)
            return
        self._ensure_output().set_source(Path(path), origin_s)
        self._set_sound(True)

    def _ensure_output(self):
        if self._output is None:
            from .sound_out import SoundOutput

            self._output = SoundOutput(self)
            self._output.failed.connect(self._on_sound_error)
        return self._output

    def _set_sound(self, on: bool) -> None:
        if on != self._sound:
            self._sound = on
            self.soundChanged.emit(on)

    def has_sound(self) -> bool:
        return self._sound

    def set_volume(self, volume: float) -> None:
        if self._output is not None:
            self._output.set_volume(volume)

    def set_muted(self, muted: bool) -> None:
        if self._output is not None:
            self._output.set_muted(muted)

    def shutdown(self) -> None:
        """Stop and join the sound thread (the widget's shutdown calls this)."""
        self.stop()
        self._closed = True
        if self._output is not None:
            self._output.shutdown()

    # -- running ----------------------------------------------------------------------------
    def _sound_leads(self) -> bool:
        """The sound is the clock now: there is sound, the speed is not a skim, and it has
        not given way to the timer in this run."""
        return self._sound and self._rate <= MAX_SOUND_SPEED and not self._on_timer

    def _play_sound_from(self, ms: float) -> None:
        self._on_timer = False
        if self._sound_leads():
            self._output.start(ms, self._rate)
        elif self._output is not None:
            self._output.stop()

    def start(self, from_ms: float) -> None:
        self._anchor_ms = self._last_ms = self._floor_ms = float(from_ms)
        self._elapsed.start()
        self._running = True
        self._play_sound_from(from_ms)

    def stop(self) -> None:
        if self._running:
            self._anchor_ms = self.position()
        self._running = False
        if self._output is not None:
            self._output.stop()

    def seek(self, ms: float) -> None:
        self._anchor_ms = self._last_ms = self._floor_ms = float(ms)
        if self._running:
            self._elapsed.start()
            self._play_sound_from(ms)

    def is_running(self) -> bool:
        return self._running

    def rate(self) -> float:
        return self._rate

    def set_rate(self, rate: float) -> None:
        rate = max(MIN_SPEED, min(MAX_SPEED, float(rate)))
        if rate == self._rate:
            return
        if not self._running:
            self._rate = rate
            return
        # Go on from the moment shown at the new speed: the sound starts again from there
        # (the picture holds until it is heard), or the timer re-anchors.
        here = self.position()
        self._rate = rate
        self._anchor_ms = self._last_ms = self._floor_ms = here
        self._elapsed.start()
        self._play_sound_from(here)

    def position(self) -> float:
        """Media time (ms) the picture should show now: the sound being heard. It never goes
        back before where playing started or last seeked to, so a seek shows its frame at once."""
        if not self._running:
            return self._anchor_ms
        if self._sound_leads():
            state, heard = self._output.heard()
            if state == "waiting":
                if self._elapsed.nsecsElapsed() / 1e6 < SOUND_START_PATIENCE_MS:
                    return self._last_ms  # the picture waits for the sound to start
                self._run_on_timer(self._last_ms)  # it never started: run without it, and say so
                self.notice.emit(SOUND_LATE.format(seconds=SOUND_START_PATIENCE_MS / 1000))
            else:
                self._last_ms = max(self._last_ms, self._floor_ms, heard)
                if state == "ended":  # the sound is over before the footage: the timer goes on
                    self._run_on_timer(self._last_ms)
                return self._last_ms
        now = self._anchor_ms + self._elapsed.nsecsElapsed() / 1e6 * self._rate
        self._last_ms = max(self._last_ms, now)
        return self._last_ms

    def _run_on_timer(self, from_ms: float) -> None:
        self._on_timer = True
        self._anchor_ms = from_ms
        self._elapsed.start()
        if self._output is not None:
            self._output.stop()

    def _on_sound_error(self, text: str) -> None:
        if not self._sound:
            return
        position = self.position()
        self._set_sound(False)
        if self._output is not None:
            self._output.stop()
        self.notice.emit(SOUND_FAILED.format(reason=(text or "unknown error").rstrip(".")))
        if self._running:  # carry on from where the sound stopped, on the timer
            self._anchor_ms = position
            self._elapsed.start()
