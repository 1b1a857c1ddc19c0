"""The playback clock: which file time the picture should show now.

With a sound track and a sound device, the sound is the master: QMediaPlayer plays the
footage's audio and its position is the clock. Its position updates are coarse and jittery,
so between them the clock runs on a QElapsedTimer from the last update (capped, so that
when the sound stalls the picture waits for it instead of running ahead). Without sound
(no track, no device, or the device fails) the clock is the QElapsedTimer alone, and one
quiet notice says why there is no sound.

Video is never played through QMediaPlayer (its video track is switched off); frames come
from the exact decoder, which follows this clock and drops frames rather than let it slip.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from PySide6.QtCore import QElapsedTimer, QObject, QUrl, Signal
from PySide6.QtGui import QGuiApplication

NO_TRACK = "No sound: this footage has no audio track."
NO_DEVICE = "No sound: no audio device was found, so the picture runs on its own clock."
SOUND_FAILED = "No sound: the audio could not be played ({reason}); the picture runs on its own clock."

# Between two position reports the interpolated clock may run on at most this far (ms of
# wall time) before it waits for the sound to report again.
MAX_INTERPOLATION_MS = 300.0
# A report further than this from the interpolated time is taken as is (a seek, a stall);
# smaller differences are eased in so the picture does not stutter on jitter.
SNAP_MS = 80.0

# How long the picture waits for the sound to start before it runs without it.
SOUND_START_PATIENCE_MS = 1500.0

# The sound QMediaPlayer reports is the sound it hands to the audio output, not the sound
# the reviewer hears: the output's buffers (and PulseAudio's) delay it, and the
# time-stretcher that keeps the pitch at other speeds delays it more the faster it plays.
# The picture follows the sound heard: it lags the reported position by this much wall
# time, SOUND_LAG_MS at 1x plus SOUND_LAG_PER_SPEED_MS for each step of speed above 1x.
# Measured with benchmarks/av_sync.py against mpv on the same capture path (PulseAudio);
# BWV_SOUND_LAG_MS overrides the 1x figure for an output with a different latency.
# The output's buffers fill after the sound (re)starts, so the lag grows from nothing to
# its full size over SOUND_LAG_RAMP_MS of playing (measured: about half of it 0.6 s after
# a seek).
SOUND_LAG_MS = 45.0
SOUND_LAG_PER_SPEED_MS = 65.0
SOUND_LAG_RAMP_MS = 1200.0

SPEEDS = (0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 2.0, 3.0, 4.0, 8.0, 16.0)
MIN_SPEED, MAX_SPEED = SPEEDS[0], SPEEDS[-1]
# Above this the player skims (keyframes only) and the sound is muted: no one follows
# speech at 8x, and the picture runs on the timer.
MAX_SOUND_SPEED = 4.0


def _env_float(name: str, default: float) -> float:
    try:
        return float(os.environ.get(name, default))
    except ValueError:
        return default


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
        self._since_sound = QElapsedTimer()  # since the sound last (re)started
        self._anchor_ms = 0.0  # media time at the anchor
        self._floor_ms = 0.0  # where playing started or last seeked to
        self._rate = 1.0
        self._running = False
        self._last_ms = 0.0  # never go backwards while running
        self._player = None
        self._audio_out = None
        self._device_checked = False
        self._device_ok = False
        self._no_device_said = False
        self._has_audio = False
        self._sound = False
        self._awaiting_sound = False

    # -- media ------------------------------------------------------------------------------
    def set_media(self, path: Path | None, has_audio: bool) -> None:
        """Use ``path``'s sound as the clock when it has some and a device can play it."""
        self.stop()
        self._has_audio = bool(path) and has_audio
        self._set_sound(False)
        if path is None:
            if self._player is not None:
                self._player.setSource(QUrl())
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
        player = self._ensure_player()
        player.setSource(QUrl.fromLocalFile(str(path)))
        self._set_sound(True)

    def _ensure_player(self):
        if self._player is None:
            from PySide6.QtMultimedia import QAudioOutput, QMediaPlayer

            self._audio_out = QAudioOutput(self)
            self._player = QMediaPlayer(self)
            self._player.setAudioOutput(self._audio_out)
            self._player.positionChanged.connect(self._on_sound_position)
            self._player.errorOccurred.connect(self._on_sound_error)
            self._player.tracksChanged.connect(self._video_off)
            if hasattr(self._player, "setPitchCompensation"):
                self._player.setPitchCompensation(True)
        return self._player

    def _video_off(self) -> None:
        # The exact decoder shows the picture; QMediaPlayer need not decode it as well.
        if self._player is not None and self._player.videoTracks():
            self._player.setActiveVideoTrack(-1)

    def _set_sound(self, on: bool) -> None:
        if on != self._sound:
            self._sound = on
            self.soundChanged.emit(on)

    def has_sound(self) -> bool:
        return self._sound

    def set_volume(self, volume: float) -> None:
        if self._audio_out is not None:
            self._audio_out.setVolume(max(0.0, min(1.0, volume)))

    def set_muted(self, muted: bool) -> None:
        if self._audio_out is not None:
            self._audio_out.setMuted(muted)

    # -- running ----------------------------------------------------------------------------
    def _sound_leads(self) -> bool:
        """The sound is the clock now: there is sound, and the speed is not a skim."""
        return self._sound and self._rate <= MAX_SOUND_SPEED

    def start(self, from_ms: float) -> None:
        self._anchor_ms = self._last_ms = self._floor_ms = float(from_ms)
        self._since_sound.invalidate()
        self._elapsed.start()
        self._running = True
        self._awaiting_sound = self._sound_leads()
        if self._sound_leads() and self._player is not None:
            self._player.setPlaybackRate(self._rate)
            self._player.setPosition(int(from_ms))
            self._player.play()

    def stop(self) -> None:
        if self._running:
            self._anchor_ms = self.position()
        self._running = False
        if self._player is not None:
            self._player.pause()

    def seek(self, ms: float) -> None:
        self._anchor_ms = self._last_ms = self._floor_ms = float(ms)
        self._since_sound.invalidate()  # the output starts empty again: the lag ramps in anew
        if self._running:
            self._elapsed.start()
        if self._sound_leads() and self._player is not None:
            self._awaiting_sound = self._running
            self._player.setPosition(int(ms))

    def is_running(self) -> bool:
        return self._running

    def rate(self) -> float:
        return self._rate

    def set_rate(self, rate: float) -> None:
        rate = max(MIN_SPEED, min(MAX_SPEED, float(rate)))
        if self._running:  # re-anchor so the time so far stays counted at the old rate
            self._anchor_ms = self._raw_position()
            self._elapsed.start()
        was_leading = self._sound_leads()
        self._rate = rate
        if self._player is not None:
            self._player.setPlaybackRate(min(rate, MAX_SOUND_SPEED))
            if self._running and was_leading and not self._sound_leads():
                self._player.pause()  # skimming: muted, the picture runs on the timer
                self._awaiting_sound = False
            elif self._running and not was_leading and self._sound_leads():
                self._player.setPosition(int(self._anchor_ms))
                self._player.play()
                self._awaiting_sound = True

    def sound_lag_ms(self) -> float:
        """Media ms between the sound reported and the sound heard, at this speed."""
        if not (self._running and self._sound_leads()):
            return 0.0
        if self._awaiting_sound or not self._since_sound.isValid():
            return 0.0
        base = _env_float("BWV_SOUND_LAG_MS", SOUND_LAG_MS)
        wall = base + SOUND_LAG_PER_SPEED_MS * max(0.0, self._rate - 1.0)
        ramp = min(1.0, self._since_sound.nsecsElapsed() / 1e6 / SOUND_LAG_RAMP_MS)
        return wall * self._rate * ramp

    def position(self) -> float:
        """Media time (ms) the picture should show now: the sound being heard. It never goes
        back before where playing started or last seeked to, so a seek shows its frame at once."""
        raw = self._raw_position()
        if not (self._running and self._sound_leads()):
            return raw
        return max(self._floor_ms, raw - self.sound_lag_ms())

    def _raw_position(self) -> float:
        """Media time (ms) of the sound being handed to the output now."""
        if not self._running:
            return self._anchor_ms
        wall = self._elapsed.nsecsElapsed() / 1e6
        if self._sound_leads():
            if self._awaiting_sound:
                if wall < SOUND_START_PATIENCE_MS:
                    return self._last_ms  # the picture waits for the sound to start
                # The sound never started: run on the timer rather than freeze the picture.
                self._awaiting_sound = False
                self._elapsed.start()
                wall = 0.0
            wall = min(wall, MAX_INTERPOLATION_MS)
        now = self._anchor_ms + wall * self._rate
        self._last_ms = max(self._last_ms, now)
        return self._last_ms

    def _on_sound_position(self, ms: int) -> None:
        if not (self._running and self._sound_leads()):
            return
        predicted = self._raw_position()
        error = ms - predicted
        if self._awaiting_sound:
            if ms == int(self._anchor_ms):
                return  # the echo of our own setPosition; the sound has not started yet
            self._awaiting_sound = False
            self._since_sound.start()
            error = ms - self._anchor_ms
        if abs(error) > SNAP_MS * self._rate:
            # Sound far ahead: jump to it. Far behind: the picture holds (position() never
            # goes backwards) until the sound catches up.
            self._anchor_ms = float(ms)
        else:
            self._anchor_ms = predicted + error / 2.0
        self._elapsed.start()

    def _on_sound_error(self, _error, text: str) -> None:
        if not self._sound:
            return
        position = self.position()
        self._awaiting_sound = False
        self._set_sound(False)
        if self._player is not None:
            self._player.stop()
        self.notice.emit(SOUND_FAILED.format(reason=(text or "unknown error").rstrip(".")))
        if self._running:  # carry on from where the sound stopped, on the timer
            self._anchor_ms = position
            self._elapsed.start()
