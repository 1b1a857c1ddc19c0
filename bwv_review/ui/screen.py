"""The exhibit on screen: the player and timeline follow the session, and keys act at the
frame shown.

The player and timeline outlive a case; a ``Screen`` connects them to one session and
undoes every connection on close (leaving them empty, so nothing of a closed case stays on
screen). It tells the core session what the reviewer sees: the position of a key press,
whether it was playing, the stretches shown while the picture was visible (a modal
dialog, a minimised or hidden window: not watched).
"""

from __future__ import annotations

import bisect
import logging

from PySide6.QtCore import QEvent, QObject

from ..core import alloc, goto
from ..core.errors import ReviewError
from ..core.model import Annotation, Exhibit
from ..core.session import MAIN_VIEW
from ..core.timecode import parse_time
from .keyboard import SPEEDS
from .review import ReviewSession

log = logging.getLogger(__name__)
_HIDING = {QEvent.Type.WindowBlocked: False, QEvent.Type.WindowUnblocked: True, QEvent.Type.Hide: False,
           QEvent.Type.Show: True}


class Screen(QObject):
    def __init__(self, session: ReviewSession, player, timeline, marker_cls, settings, window):
        super().__init__(session)
        self.session, self.core = session, session.core
        self.player, self.timeline, self.marker_cls = player, timeline, marker_cls
        self.settings, self.window = settings, window
        self._settling = False
        self._links = [
            (player.watched, self._watched),
            (player.positionChanged, timeline.set_position),
            (timeline.seekRequested, player.seek),
            (timeline.markerClicked, self.go_to_annotation_id),
            (timeline.intervalEdited, self._interval_edited),
            (player.playingChanged, self._log_playing),
            (player.positionChanged, self._log_settled),
            (session.exhibitOpened, self._show),
            (session.changed, self._changed),
        ]
        for signal, slot in self._links:
            signal.connect(slot)
        player.rewind_on_pause_ms = int(settings.rewind_on_pause_s * 1000)
        window.installEventFilter(self)
        self.core.coverage.set_visible(MAIN_VIEW, window.isVisible() and not window.isMinimized())

    @property
    def exhibit(self) -> Exhibit | None:
        return self.core.exhibit

    def close(self) -> None:
        self.window.removeEventFilter(self)
        for signal, slot in self._links:
            signal.disconnect(slot)
        self._links = []
        self.player.unload()
        self.player.transport.resolve = parse_time
        if hasattr(self.timeline, "clear"):
            self.timeline.clear()

    # -- showing an exhibit ---------------------------------------------------------------------
    def _show(self, exhibit: Exhibit | None) -> None:
        player, timeline = self.player, self.timeline
        player.transport.resolve = parse_time
        if exhibit is None:
            player.unload()
            timeline.set_duration(0)
            timeline.set_markers([])
            return
        try:
            path = self.core.store.footage_path(exhibit)
            why = None if path.is_file() else (
                f"Footage for exhibit {exhibit.ref} is missing (expected at {path}). "
                "Select it in the exhibits panel and use Relink… to point at the file.")
        except ReviewError as exc:  # a stored path leading outside the case folder: never followed
            path, why = None, str(exc)
        tz = self.core.case.timezone
        player.transport.resolve = lambda text: goto.resolve(text, self.exhibit, tz)
        timeline.set_duration(exhibit.duration_ms)
        timeline.set_coverage(self.core.coverage.current(exhibit.id))
        self.update_markers()
        if why is not None:
            player.unload()
            self.session.error.emit(why)
            return
        player.load(path, sha256=exhibit.sha256, exhibit_ref=exhibit.ref,
                    recording_start=exhibit.recording_start, timezone=tz)
        player.set_speed(self.settings.default_speed)
        if exhibit.has_audio:
            timeline.load_audio(path, exhibit.sha256)
        log.info("exhibit %s open (%s)", exhibit.ref, path.name)
        self.session.message.emit(f"Exhibit {exhibit.ref} open. Space plays; 1-9 marks a moment.")

    def _changed(self, change) -> None:
        ex = self.exhibit
        if ex is None:
            return
        if ex.id in change.exhibits():  # its clock start changed (aligned): the caption follows
            self.player.set_recording_start(ex.recording_start)
        if ex.id in change.coverage:
            self.timeline.set_coverage(self.core.coverage.current(ex.id))
        mine = change.annotations()
        if change.categories() or any(a is None or a.exhibit_id == ex.id for a in mine.values()):
            self.update_markers()

    def update_markers(self) -> None:
        ex = self.exhibit
        if ex is None:
            self.timeline.set_markers([])
            return
        cats = self.core.categories
        markers = []
        with alloc.bulk():  # a marker for each of up to 100,000 marks
            for a in self.core.marks_on(ex.id):
                cat = cats.get(a.category_id)
                label = a.text or (cat.name if cat else "")
                markers.append(self.marker_cls(a.id, a.start_ms, a.end_ms, cat.colour if cat else "#7f7f7f",
                                               label[:60]))
            self.timeline.set_markers(markers)

    # -- what the reviewer sees -------------------------------------------------------------------
    def _watched(self, from_ms: int, to_ms: int, speed: float) -> None:
        if self.exhibit is not None:
            self.core.watched(self.exhibit.id, from_ms, to_ms, speed, MAIN_VIEW)

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 - Qt's name
        visible = _HIDING.get(event.type())
        if event.type() == QEvent.Type.WindowStateChange:
            visible = not self.window.isMinimized()
        if visible is not None and watched is self.window:
            self.player.flush_watched()  # what was shown until now counts as it was seen
            self.core.coverage.set_visible(MAIN_VIEW, visible)
        return False

    def _log_playing(self, playing: bool) -> None:
        # The log says where playback stopped, so a mark's time can be checked afterwards.
        self._settling = not playing
        log.info("%s at %d ms", "playing" if playing else "paused", self.player.position_ms())

    def _log_settled(self, ms: int) -> None:
        if self._settling:  # frames shown while paused (the last one is where it settled)
            log.info("paused at %d ms", ms)

    # -- playback keys ------------------------------------------------------------------------------
    def toggle_play(self) -> None:
        self.player.toggle_play()

    def skip(self, ms: int) -> None:
        self.player.skip(ms)

    def step(self, frames: int) -> None:
        self.player.step(frames)

    def speed_step(self, direction: int) -> None:
        now = self.player.speed()
        faster = [s for s in SPEEDS if s > now + 1e-6]
        slower = [s for s in SPEEDS if s < now - 1e-6]
        if direction > 0:
            target = faster[0] if faster else SPEEDS[-1]
        else:
            target = slower[-1] if slower else SPEEDS[0]
        self.player.set_speed(target)
        self.session.message.emit(f"Speed {target:g}×")

    def reset_speed(self) -> None:
        self.player.set_speed(self.settings.default_speed)
        self.session.message.emit(f"Speed {self.settings.default_speed:g}×")

    def speech_region(self, direction: int) -> None:
        regions = sorted(getattr(self.timeline, "speech_regions", None) or getattr(self.timeline, "regions", []))
        if not regions:
            self.session.message.emit("No speech found in this exhibit yet (the sound is still being read, "
                                      "or it is silent).")
            return
        now = self.player.position_ms()
        starts = [int(r[0]) for r in regions]
        if direction > 0:
            i = bisect.bisect_right(starts, now + 50)
            target = starts[i] if i < len(starts) else None
        else:
            i = bisect.bisect_left(starts, now - 250)  # a little back, so P twice walks back
            target = starts[i - 1] if i > 0 else None
        if target is None:
            self.session.message.emit("No more speech in that direction.")
            return
        self.player.seek(target)

    # -- marking at the frame shown ---------------------------------------------------------------
    def mark(self, key: int) -> Annotation | None:
        playing = self.player.is_playing()
        at = self.player.position_ms()  # the frame on screen when the key was pressed
        if playing and self.exhibit is not None and self.core.category_for_key(key) and not self.core.readonly:
            self.player.pause()  # so the words can be typed
        self.core.reaction_lag_ms = self.settings.reaction_lag_ms
        return self.core.mark(key, at, playing=playing, speed=self.player.speed())

    def words_confirmed(self) -> None:
        if self.core.words_confirmed():
            self.player.play()

    def set_start_here(self, annotation_id: int | None = None) -> None:
        self.core.set_start_here(self.player.position_ms(), annotation_id)

    def set_end_here(self, annotation_id: int | None = None) -> None:
        self.core.set_end_here(self.player.position_ms(), annotation_id)

    def _interval_edited(self, annotation_id: int, start_ms: int, end_ms: int) -> None:
        self.core.set_interval(annotation_id, start_ms, end_ms)

    def go_to_annotation_id(self, annotation_id: int) -> None:
        ann = self.core.annotations.get(annotation_id)
        if ann is not None:
            self.go_to(ann)

    def go_to(self, ann: Annotation) -> None:
        if self.core.exhibit_id != ann.exhibit_id:
            self.core.open_exhibit(ann.exhibit_id)
        self.core.select(ann.id)
        self.player.seek(ann.start_ms)
