"""PlayerWidget: the picture, its caption and the transport bar, driven by the clock.

The GUI thread only posts requests and paints what comes back. While playing, the decode
thread decodes on in order (a stream) within a window that a precise timer moves with the
clock: frames arrive ahead of their time and are shown when the clock reaches them; when
decoding falls behind, frames the clock has passed are skipped, counted as dropped, and the
clock never slips. Playing starts once a few frames are ready (or after PREROLL_MAX_MS).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, Qt, QTimer, Signal
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QVBoxLayout, QWidget

from . import overlay
from .actions import deinterlace_action
from .clock import MAX_SOUND_SPEED, MAX_SPEED, MIN_SPEED, PlaybackClock
from .frames import FrameTimes, skim_request
from .read_ahead import ReadAhead
from .signal_guard import guard_signal_refcounts
from .transport import TransportBar
from .view import VideoView

if TYPE_CHECKING:  # the decoder (numpy, and PyAV/cv2 once a file opens) loads with the first footage
    from .decoder import DecodeThread

TICK_MS = 4  # how often the clock is read while playing; well under one frame at 4x 30 fps
WATCH_CHUNK_MS = 1000  # coverage is reported per second of footage watched
SKIM_GAP_MS = 200  # skimming: keyframes further apart than this (wall ms) get a picture between


class PlayerWidget(QWidget):
    positionChanged = Signal(int)
    playingChanged = Signal(bool)
    speedChanged = Signal(float)
    frameShown = Signal(int, float)
    notice = Signal(str)
    errorOccurred = Signal(str)
    watched = Signal(int, int, float)

    def __init__(self, parent: QWidget | None = None, source_factory=None) -> None:
        super().__init__(parent)
        guard_signal_refcounts()  # PySide6 6.12.0 emit() bug: see signal_guard
        self.view = VideoView(self)
        self.transport = TransportBar(self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.transport)

        self._source_factory = source_factory
        self._decode_thread: DecodeThread | None = None  # started on first use: see _decoder

        app = QCoreApplication.instance()
        if app is not None:  # a safety net: the window should call shutdown() itself
            app.aboutToQuit.connect(self.shutdown)

        self._clock = PlaybackClock(self)
        self._clock.notice.connect(self.notice)
        self._tick = QTimer(self)
        self._tick.setTimerType(Qt.TimerType.PreciseTimer)
        self._tick.setInterval(TICK_MS)
        self._tick.timeout.connect(self._on_tick)

        self.transport.playClicked.connect(self.toggle_play)
        self.transport.stepClicked.connect(self.step)
        self.transport.speedPicked.connect(self.set_speed)
        self.transport.goTo.connect(lambda ms: (self.seek(ms), self.setFocus()))
        self.transport.badTime.connect(self.notice)

        self.deinterlace_action = deinterlace_action(self, self.set_deinterlace)
        self._flags = 0  # DEINTERLACED / DAMAGED bits of the frame shown

        self.rewind_on_pause_ms = 0
        self._generation = 0
        self._closed = False
        self._reset_media()
        self._speed = 1.0
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)

    @property
    def _decoder(self) -> DecodeThread:
        """The decode thread, started when a file first opens: the start page shows no
        footage, so the window does not wait on numpy (or close on the worker modules)."""
        if self._decode_thread is None:
            from .decoder import DecodeThread

            self._decode_thread = decoder = DecodeThread(self._source_factory)
            worker = decoder.worker
            worker.opened.connect(self._on_opened)
            worker.frameReady.connect(self._on_frame)
            worker.failed.connect(self._on_failed)
            worker.endOfFootage.connect(self._on_end)
        return self._decode_thread

    def _reset_media(self) -> None:
        self._path: Path | None = None
        self._info = None
        self._frames = FrameTimes()
        self._exhibit_ref = ""
        self._recording_start: str | None = None
        self._timezone = "Europe/London"
        self._shown_index = -1
        self._shown_ms = 0.0
        self._target_index = -1
        self._target_ms = 0.0
        self._serial = 0  # bumped by every seek, step, play and pause
        self._inflight: int | None = None  # skimming: the frame being decoded
        self._ahead = ReadAhead()  # playing: frames (picture, number, ms, flags) decoded early
        self._playing = False
        self._play_when_ready = False
        self._jumped = True  # the next frame may be far from the last: not a drop
        self._dropped = 0
        self._watch_from: float | None = None
        self._sync_offsets: list[float] = []

    # -- loading ----------------------------------------------------------------------------
    def load(self, path: Path, sha256: str | None = None, exhibit_ref: str = "",
             recording_start: str | None = None, timezone: str = "Europe/London") -> None:
        """Open footage in the decode thread; the first frame appears when it is ready."""
        self._stop_playing(rewind=False)
        self._generation += 1
        self._reset_media()
        self._path = Path(path)
        self._exhibit_ref = exhibit_ref
        self._recording_start = recording_start
        self._timezone = timezone or "Europe/London"
        self.view.set_image(None)
        self.view.set_caption("")
        self.view.set_message(f"Opening {self._path.name}\u2026")
        self.transport.set_enabled(False)
        self.transport.set_time(None, None)
        self._decoder.worker.post_open(self._generation, self._path, sha256)

    def unload(self) -> None:
        self._stop_playing(rewind=False)
        self._generation += 1
        self._decoder.worker.post_open(self._generation, None)
        self._clock.set_media(None, False)
        self._reset_media()
        self.view.clear()
        self.transport.set_enabled(False)
        self.transport.set_time(None, None)

    def shutdown(self) -> None:
        """Stop playback and join the decode thread; call from the window's closeEvent."""
        if self._closed:
            return
        self._closed = True
        self._stop_playing(rewind=False)
        self._clock.shutdown()
        if self._decode_thread is not None:  # the start page never made one: nothing to stop
            self._decode_thread.shutdown()

    def closeEvent(self, event) -> None:
        self.shutdown()
        super().closeEvent(event)

    def _on_opened(self, generation: int, info) -> None:
        if generation != self._generation:
            return
        self._info = info
        self._frames = FrameTimes(info)
        self._clock.set_media(self._path, bool(info.has_audio), getattr(getattr(info, "index", None), "origin_s", None))
        self._clock.set_rate(self._speed)
        self.transport.set_enabled(True)
        self.view.set_message("")
        self._request(self._target_ms)
        if self._play_when_ready:
            self._play_when_ready = False
            self.play()

    # -- transport ----------------------------------------------------------------------------
    def play(self) -> None:
        if self._closed or self._path is None:
            return
        if self._info is None:
            self._play_when_ready = True
            return
        if self._playing:
            return
        start = self._target_ms
        if self._target_index >= self._frames.count - 1:
            start = 0.0  # at the end: play from the start, as players do
        self._serial += 1
        self._inflight = None
        self._ahead.clear()
        self._playing = True
        self._jumped = True
        self._watch_from = start
        self._clock.seek(start)  # started by _on_tick once the first frames are ready
        self._ahead.start_preroll()
        self._tick.start()
        self.transport.set_playing(True)
        self.playingChanged.emit(True)
        self._plan(self._clock.position())

    def pause(self) -> None:
        self._play_when_ready = False
        self._stop_playing(rewind=True)

    def toggle_play(self) -> None:
        if self._playing or self._play_when_ready:
            self.pause()
        else:
            self.play()

    def is_playing(self) -> bool:
        return self._playing

    def _stop_playing(self, rewind: bool) -> None:
        if not self._playing:
            return
        self._tick.stop()
        self._flush_watched(self._clock.position())
        self._clock.stop()
        self._playing = False
        self.transport.set_playing(False)
        self.playingChanged.emit(False)
        # Settle on the frame for where the clock stopped (or a little before it).
        target = self._clock.position()
        if rewind and self.rewind_on_pause_ms:
            target -= self.rewind_on_pause_ms
            self._jumped = True
        target = self._frames.clamp(target)
        self._ahead.stop_preroll()
        if self._frames.index_at(target) != self._shown_index or self._inflight is not None or self.view.scaled_down(self._info):
            self._request(target)
        else:
            self._target_ms, self._target_index = target, self._shown_index
            self._serial += 1
            self._decoder.worker.post_frame(None)  # ends the stream
        self._inflight = None
        self._ahead.clear()

    def seek(self, ms: int) -> None:
        ms = self._frames.clamp(ms)
        self._jumped = True
        if self._playing:
            self._flush_watched(self._clock.position())
            self._clock.seek(ms)
            self._watch_from = ms
            self._serial += 1
            self._inflight = None
            self._ahead.clear()
            self._plan(ms)
        else:
            self._request(ms)

    def skip(self, ms: int) -> None:
        base = self._clock.position() if self._playing else self._target_ms
        self.seek(int(round(base + ms)))

    def step(self, frames: int) -> None:
        if self._info is None or not frames:
            return
        self.pause()
        base = self._target_index if self._target_index >= 0 else max(0, self._shown_index)
        index = max(0, min(self._frames.count - 1, base + int(frames)))
        self._jumped = True
        self._request(self._frames.time_of(index))

    def set_speed(self, x: float) -> None:
        x = max(MIN_SPEED, min(MAX_SPEED, float(x)))
        if x == self._speed:
            return
        if self._playing:
            self._flush_watched(self._clock.position())
        skimming = x > MAX_SOUND_SPEED
        if self._playing and skimming != (self._speed > MAX_SOUND_SPEED):
            self._serial += 1  # frames asked for in the other mode are not wanted now
            self._inflight, self._jumped = None, True
            self._ahead.clear()
        self._speed = x
        self._clock.set_rate(x)
        self.transport.set_speed(x)
        self.speedChanged.emit(x)

    def speed(self) -> float:
        return self._speed

    def set_muted(self, muted: bool) -> None:
        """Silence this footage's sound (it still keeps the clock): synced playback hears one camera."""
        self._clock.set_muted(muted)

    def set_recording_start(self, recording_start: str | None) -> None:
        """A new clock start for the footage shown (alignment being tried): the caption follows."""
        self._recording_start = recording_start
        self._update_caption()

    def clock_ms(self) -> float:
        """The file time the clock is at now (between frames while playing), for keeping views in step."""
        return self._clock.position() if self._playing else self._target_ms

    def focus_goto(self) -> None:
        """Put the cursor in the go-to-time field (the window binds Ctrl+G to this)."""
        self.transport.focus_goto()

    # -- state --------------------------------------------------------------------------------
    def position_ms(self) -> int:
        return int(round(self._shown_ms))

    def duration_ms(self) -> int:
        return int(self._info.duration_ms) if self._info is not None else 0

    def current_frame_index(self) -> int:
        return self._shown_index

    def frame_times(self) -> list[float]:
        """Every frame's presentation time (ms), once the footage is open (redaction preview)."""
        return self._frames.times

    @property
    def dropped_frames(self) -> int:
        return self._dropped

    def displayed_image(self) -> QImage | None:
        """The picture on screen now (for tests and stills)."""
        return self.view.image()

    def sync_offsets(self) -> list[float]:
        """Clock time minus frame time (ms) at each frame shown while playing."""
        return list(self._sync_offsets)

    # -- frames ---------------------------------------------------------------------------------
    def _request(self, ms: float) -> None:
        """Show the frame for ``ms`` (paused): the newest such request wins."""
        self._target_ms = float(ms)
        if self._info is None:
            return  # shown once the file is open
        self._serial += 1
        self._target_index = self._frames.index_at(ms)
        self._post(self._target_index)

    def _post(self, index: int) -> None:
        from .decoder import FrameRequest  # loaded with the decode thread

        fit = self.view.device_size() if self._playing else None  # playing: scaled in the conversion
        self._decoder.worker.post_frame(FrameRequest(self._generation, index=index, serial=self._serial, fit=fit))

    def _plan(self, now: float) -> None:
        """While playing: show the decoded frame whose time has come, and keep the decode
        thread streaming frames up to READ_AHEAD_MS ahead of the clock (read_ahead), so a
        slow frame or a busy moment costs nothing while the frames already decoded last.
        Late frames are shown late; when decoding falls behind, it goes on from the frame due."""
        if self._speed > MAX_SOUND_SPEED:
            self._plan_skim(now)
            return
        due = self._frames.index_at(now)
        frame = self._ahead.due(due)
        if frame is not None:
            self._show(*frame)
        self._ahead.window(self._decoder.worker, self._generation, self._serial, due, self._shown_index,
                           due + self._ahead.frames(self._frames, self._info, self._speed), self.view.device_size())

    def _plan_skim(self, now: float) -> None:
        """Skimming (8x, 16x): keyframes, each decoded alone (one seek, one picture), and
        where they are far apart a reference frame between them (frames.skim_request); the
        next is fetched while the one before is on screen; sound is muted meanwhile."""
        if self._info is None or self._info.index is None:
            return
        index, due = self._info.index, self._frames.index_at(now)
        ready = self._ahead.ready
        while ready and ready[0][1] <= due:
            shown = ready.pop(0)
            if not ready or ready[0][1] > due:
                self._show(*shown)
        if self._inflight is not None:
            return
        have = max(self._shown_index, ready[-1][1] if ready else -1)
        ask = skim_request(index, self._frames, due, have, bool(ready), self._speed, SKIM_GAP_MS)
        if ask is None:
            return
        want, between = ask
        self._inflight = want
        self._target_index, self._target_ms = want, self._frames.time_of(want)
        from .decoder import FrameRequest

        self._decoder.worker.post_frame(FrameRequest(self._generation, index=want, serial=self._serial,
                                                     keyframe=not between, reference=between))

    def skimming(self) -> bool:
        return self._playing and self._speed > MAX_SOUND_SPEED

    def set_deinterlace(self, on: bool) -> None:
        """Show interlaced frames deinterlaced (stated in the caption) or as decoded."""
        if self.deinterlace_action.isChecked() != bool(on):
            self.deinterlace_action.setChecked(bool(on))  # calls back here
            return
        self._decoder.worker.post_deinterlace(bool(on))
        if not self._playing and self._info is not None and self._shown_index >= 0:
            self._request(self._frames.time_of(self._shown_index))

    def _on_tick(self) -> None:
        if self._ahead.prerolling() and (self.skimming() or self._ahead.prerolled(
                self._frames, self._info, self._speed, self._frames.index_at(self._clock.position()))):
            self._ahead.stop_preroll()
            self._clock.start(self._clock.position())
        now = self._clock.position()
        if now >= self.duration_ms():
            if not self.skimming():
                self._plan(self._frames.time_of(self._frames.count - 1))  # the last frame, if decoded
            self._flush_watched(float(self.duration_ms()))
            self._clock.seek(self._frames.time_of(self._frames.count - 1))
            self._stop_playing(rewind=False)
            return
        self._plan(now)
        if now - (self._watch_from or 0.0) >= WATCH_CHUNK_MS:
            self._flush_watched(now)

    def _on_frame(self, generation: int, serial: int, image: QImage, index: int, time_ms: float,
                  flags: int = 0) -> None:
        if generation != self._generation:
            return
        if flags & overlay.STREAMED and (not self._playing or serial != self._serial):
            return  # decoded ahead for a play or seek since ended
        flags &= ~overlay.STREAMED
        if not self._playing:
            self._show(image, index, time_ms, flags)  # scrubbing shows each frame as it comes
            return
        if serial != self._serial:
            return  # asked for before the latest seek
        if self.skimming():
            self._inflight, self._jumped = None, True  # keyframes only: nothing counts as dropped
            if index > self._frames.index_at(self._clock.position()):
                self._ahead.ready.append((image, index, time_ms, flags))  # fetched ahead: shown when due
            elif index > self._shown_index:
                self._show(image, index, time_ms, flags)
            self._plan_skim(self._clock.position())
            return
        now = self._clock.position()
        if index > self._frames.index_at(now):
            self._ahead.keep((image, index, time_ms, flags))  # early: wait for the clock
        else:
            self._ahead.clear()  # frames kept are earlier ones, passed too: never shown after this
            if index > self._shown_index or self._jumped:
                self._show(image, index, time_ms, flags)  # on time, or late: show it now
        self._plan(now)

    def _show(self, image: QImage, index: int, time_ms: float, flags: int = 0) -> None:
        if self._playing:
            if not self._jumped and index > self._shown_index + 1:
                self._dropped += index - self._shown_index - 1
            self._sync_offsets.append(self._clock.position() - time_ms)
        self._jumped = False
        self._flags = flags
        self._shown_index = index
        self._shown_ms = time_ms
        self.view.set_image(image)
        self._update_caption()
        self.transport.set_time(self.position_ms(), self.duration_ms())
        self.frameShown.emit(index, time_ms)
        self.positionChanged.emit(self.position_ms())

    def _on_end(self, generation: int) -> None:
        if generation == self._generation:
            self._stop_playing(rewind=False)

    def _on_failed(self, generation: int, message: str) -> None:
        if generation != self._generation:
            return
        self._play_when_ready = False
        self._stop_playing(rewind=False)
        self._tick.stop()
        if self._info is None:
            self.view.set_image(None)
            self.transport.set_enabled(False)
        self.view.set_message(message)
        self.errorOccurred.emit(message)

    def _update_caption(self) -> None:
        caption, hover = overlay.caption(self._exhibit_ref, self._shown_ms, self._shown_index,
                                         self._recording_start, self._timezone, self._flags)
        self.view.set_caption(caption, hover)

    # -- review coverage ------------------------------------------------------------------------
    def flush_watched(self) -> None:  # the window, as its picture is hidden or shown: report what was seen
        self._playing and self._flush_watched(self._clock.position())

    def _flush_watched(self, now: float) -> None:
        start = self._watch_from
        if start is None:
            return
        end = min(float(now), float(self.duration_ms()))
        if end > start:
            self.watched.emit(int(start), int(end), self._speed)
        self._watch_from = end

