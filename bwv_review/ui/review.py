"""The review session: one open case, its exhibit in the player, and every reviewer action.

The window builds the widgets; this object wires them to the case. Every change to the
evidence goes through a QUndoCommand (ui.commands) on ``self.undo``, which saves and
audits it at once. Another program changing the case file (the CLI, a second window) is
noticed by polling ``store.data_version()`` and the views reload.
"""

from __future__ import annotations

import bisect
import logging
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QUndoStack

from ..core import audit
from ..core.errors import ReviewError
from ..core.model import Annotation, Exhibit
from ..core.outbox import Outbox
from ..core.timecode import format_ms
from . import commands
from .annotations.model import AnnotationTableModel
from .coverage import CoverageRecorder
from .exhibits import ExhibitsModel
from .keyboard import SPEEDS
from .settings import Settings

if TYPE_CHECKING:  # the case file (sqlite_utils) loads when a case opens
    from ..core.store import CaseStore

log = logging.getLogger(__name__)
POLL_MS = 1000
PRESENCE_EVERY = 5  # polls: who else has a server case open is looked up every 5 s


class ReviewSession(QObject):
    message = Signal(str)  # for the status bar
    error = Signal(str)  # a sentence for a dialog
    exhibitOpened = Signal(object)  # Exhibit or None
    caseChanged = Signal()  # reloaded after another program wrote to the case
    connectionChanged = Signal(str)  # a server case: why it cannot be reached now, or "" when it is back
    presentChanged = Signal(str)  # a server case: who else has it open ("Also here: ..."), or ""

    def __init__(self, store: CaseStore, settings: Settings, player, timeline, marker_cls, parent=None):
        super().__init__(parent)
        self.store = store
        self.settings = settings
        self.player = player
        self.timeline = timeline
        self.marker_cls = marker_cls
        self.undo = QUndoStack(self)
        self.annotations = AnnotationTableModel(store, self)
        self.exhibits = ExhibitsModel(self)
        self.exhibits.set_exhibits(store.exhibits(), store.case().timezone)
        self.exhibit: Exhibit | None = None
        # A server case: changes the server cannot take while it is out of reach are kept on
        # this computer and sent when it is back (core/outbox.py).
        self.outbox = Outbox(store.address.key) if hasattr(store, "address") else None
        self.ctx = commands.StoreContext(store, self.actor, self._applied, self.error.emit,
                                         keep=self.outbox.keep if self.outbox else None)
        self.coverage = CoverageRecorder(store, self.actor, self)
        self.coverage.changed.connect(self._coverage_changed)
        self.selected: Annotation | None = None
        self.resume_after_words = False
        self._version = store.data_version()
        self._offline = False
        self._ticks = 0
        if self.outbox is not None and self.outbox.pending():
            QTimer.singleShot(0, self._send_kept)  # left from a session that ended offline
        self._poll = QTimer(self, interval=POLL_MS)
        self._poll.timeout.connect(self.poll)
        self._poll.start()
        self._markers_due = QTimer(self, singleShot=True, interval=0)
        self._markers_due.timeout.connect(self.update_markers)
        for signal in (self.annotations.modelReset, self.annotations.rowsInserted,
                       self.annotations.rowsRemoved, self.annotations.dataChanged):
            signal.connect(lambda *a: self._markers_due.start())
        # The player and timeline outlive a case: remember each connection to undo it on close.
        self._links = [
            (player.watched, self.coverage.on_watched),
            (player.positionChanged, timeline.set_position),
            (timeline.seekRequested, player.seek),
            (timeline.markerClicked, self.go_to_annotation_id),
            (timeline.intervalEdited, self._interval_edited),
            (player.playingChanged, self._log_playing),
            (player.positionChanged, self._log_settled),
        ]
        for signal, slot in self._links:
            signal.connect(slot)
        player.rewind_on_pause_ms = int(settings.rewind_on_pause_s * 1000)
        self._settling = False
        for ex in self.exhibits.exhibits:
            self.exhibits.set_coverage(ex.id, self.coverage.current(ex.id))

    def actor(self) -> str:
        return self.settings.reviewer or "unknown reviewer"

    @property
    def readonly(self) -> bool:
        return self.store.readonly

    def close(self) -> None:
        self._poll.stop()
        self.coverage.flush()
        self.coverage.set_exhibit(None)
        for signal, slot in self._links:
            signal.disconnect(slot)
        self._links = []

    # -- exhibits ----------------------------------------------------------------------------
    def open_exhibit(self, exhibit: Exhibit | None) -> None:
        if exhibit is not None and self.exhibit is not None and exhibit.id == self.exhibit.id:
            return
        self.coverage.set_exhibit(exhibit.id if exhibit else None)
        self.exhibit = exhibit
        if exhibit is None:
            self.player.unload()
            self.timeline.set_duration(0)
            self.exhibitOpened.emit(None)
            return
        try:
            path = self.store.footage_path(exhibit)
            why = None if path.is_file() else (
                f"Footage for exhibit {exhibit.ref} is missing (expected at {path}). "
                "Select it in the exhibits panel and use Relink… to point at the file.")
        except ReviewError as exc:  # a stored path leading outside the case folder: never followed
            why = str(exc)
        if why is not None:
            self.player.unload()
            self.timeline.set_duration(exhibit.duration_ms)
            self.update_markers()
            self.exhibitOpened.emit(exhibit)
            self.error.emit(why)
            return
        tz = self.store.case().timezone
        self.player.load(path, sha256=exhibit.sha256, exhibit_ref=exhibit.ref,
                         recording_start=exhibit.recording_start, timezone=tz)
        self.player.set_speed(self.settings.default_speed)
        self.timeline.set_duration(exhibit.duration_ms)
        if exhibit.has_audio and path.is_file():
            self.timeline.load_audio(path, exhibit.sha256)
        self.timeline.set_coverage(self.coverage.current(exhibit.id))
        self.update_markers()
        self.exhibitOpened.emit(exhibit)
        log.info("exhibit %s open (%s)", exhibit.ref, path.name)
        self.message.emit(f"Exhibit {exhibit.ref} open. Space plays; 1-9 marks a moment.")

    def _log_playing(self, playing: bool) -> None:
        # The log says where playback stopped, so a mark's time can be checked afterwards.
        self._settling = not playing
        log.info("%s at %d ms", "playing" if playing else "paused", self.player.position_ms())

    def _log_settled(self, ms: int) -> None:
        if self._settling:  # frames shown while paused (the last one is where it settled)
            log.info("paused at %d ms", ms)

    def update_markers(self) -> None:
        if self.exhibit is None:
            self.timeline.set_markers([])
            return
        cats = self.annotations.categories
        markers = []
        for a in self.annotations.annotations_for(self.exhibit.id):
            cat = cats.get(a.category_id)
            label = a.text or (cat.name if cat else "")
            markers.append(self.marker_cls(a.id, a.start_ms, a.end_ms, cat.colour if cat else "#7f7f7f", label[:60]))
        self.timeline.set_markers(markers)

    def _coverage_changed(self, exhibit_id: int, seconds: dict) -> None:
        self.exhibits.set_coverage(exhibit_id, seconds)
        if self.exhibit is not None and exhibit_id == self.exhibit.id:
            self.timeline.set_coverage(seconds)

    # -- playback --------------------------------------------------------------------------------
    def toggle_play(self) -> None:
        self.player.toggle_play()

    def skip(self, ms: int) -> None:
        self.player.skip(ms)

    def step(self, frames: int) -> None:
        self.player.step(frames)

    def speed_step(self, direction: int) -> None:
        now = self.player.speed()
        if direction > 0:
            faster = [s for s in SPEEDS if s > now + 1e-6]
            target = faster[0] if faster else SPEEDS[-1]
        else:
            slower = [s for s in SPEEDS if s < now - 1e-6]
            target = slower[-1] if slower else SPEEDS[0]
        self.player.set_speed(target)
        self.message.emit(f"Speed {target:g}×")

    def reset_speed(self) -> None:
        self.player.set_speed(self.settings.default_speed)
        self.message.emit(f"Speed {self.settings.default_speed:g}×")

    def speech_region(self, direction: int) -> None:
        regions = sorted(self._speech_regions())
        if not regions:
            self.message.emit("No speech found in this exhibit yet (the sound is still being read, or it is silent).")
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
            self.message.emit("No more speech in that direction.")
            return
        self.player.seek(target)

    def _speech_regions(self) -> list:
        getter = getattr(self.timeline, "speech_regions", None)
        regions = getter() if callable(getter) else getter
        return list(regions or getattr(self.timeline, "regions", []) or [])

    # -- marking -----------------------------------------------------------------------------------
    def mark(self, key: int) -> Annotation | None:
        """Mark the category bound to ``key`` here; the reviewer then types the words."""
        if self.exhibit is None:
            self.message.emit("Open an exhibit first (double-click it in the exhibits panel).")
            return None
        if self.readonly:
            self.error.emit("This case is open read-only; marks cannot be added.")
            return None
        cat = next((c for c in self.annotations.categories.values() if c.key == str(key)), None)
        if cat is None:
            self.message.emit(f"No category is bound to key {key}.")
            return None
        playing = self.player.is_playing()
        at = self.player.position_ms()
        if playing:  # the key comes a moment after the words: step back by the reaction lag
            at -= int(self.settings.reaction_lag_ms * self.player.speed())
            self.player.pause()
        at = max(0, min(at, self.exhibit.duration_ms))
        log.info("mark %s at %d ms on %s (playing=%s)", cat.slug, at, self.exhibit.ref, playing)
        command = commands.AddAnnotation(self.ctx, Annotation(exhibit_id=self.exhibit.id, start_ms=at,
                                                              category_id=cat.id), label=f"Mark {cat.name}")
        self.undo.push(command)
        if command.annotation_id is None:
            return None
        self.resume_after_words = playing
        self.message.emit(f"{cat.name} marked at {format_ms(command.annotation.start_ms)}. Type the words, then Enter.")
        return command.annotation

    def words_confirmed(self) -> None:
        """Enter in the words: back to the video, playing again if it was."""
        if self.resume_after_words:
            self.resume_after_words = False
            self.player.play()

    def edit(self, annotation_id: int, changes: dict, expected: Annotation | None = None) -> None:
        """``expected``: the mark as the reviewer saw it when they began (the editor's), else
        as this window shows it; a change someone else made since refuses this one."""
        if self.readonly:
            self.error.emit("This case is open read-only; nothing was changed.")
            return
        fields = ", ".join(changes)
        seen = expected if expected is not None and expected.id == annotation_id else \
            self.annotations.annotation_by_id(annotation_id)
        self.undo.push(commands.EditAnnotation(self.ctx, annotation_id, changes, label=f"Edit {fields}",
                                               expected=seen))

    def set_start_here(self, annotation_id: int | None = None) -> None:
        ann = self._target(annotation_id)
        if ann is not None:
            self.undo.push(commands.set_start(self.ctx, ann, self.player.position_ms()))

    def set_end_here(self, annotation_id: int | None = None) -> None:
        ann = self._target(annotation_id)
        if ann is None:
            return
        at = self.player.position_ms()
        if at < ann.start_ms:
            self.error.emit("The end would come before the start; move to a later point first.")
            return
        self.undo.push(commands.set_end(self.ctx, ann, at))

    def _interval_edited(self, annotation_id: int, start_ms: int, end_ms: int) -> None:
        ann = self.annotations.annotation_by_id(annotation_id)
        if ann is not None and not self.readonly:
            self.undo.push(commands.set_interval(self.ctx, ann, start_ms, end_ms))

    def delete(self, annotation_id: int | None = None) -> None:
        ann = self._target(annotation_id)
        if ann is not None:
            self.undo.push(commands.DeleteAnnotation(self.ctx, ann.id, expected=ann))

    def _target(self, annotation_id: int | None) -> Annotation | None:
        if self.readonly:
            self.error.emit("This case is open read-only; nothing was changed.")
            return None
        ann = self.annotations.annotation_by_id(annotation_id) if annotation_id else self.selected
        if ann is None:
            self.message.emit("Select a mark first (click it in the table).")
        return ann

    def _applied(self, annotation_id: int, annotation: Annotation | None) -> None:
        self.annotations.apply(annotation_id, annotation)
        if self.selected is not None and self.selected.id == annotation_id:
            self.selected = annotation

    # -- going to a mark ---------------------------------------------------------------------------
    def go_to_annotation_id(self, annotation_id: int) -> None:
        ann = self.annotations.annotation_by_id(annotation_id)
        if ann is not None:
            self.go_to(ann)

    def go_to(self, ann: Annotation) -> None:
        if self.exhibit is None or self.exhibit.id != ann.exhibit_id:
            self.open_exhibit(self.annotations.exhibits.get(ann.exhibit_id) or self.store.exhibit_by_id(ann.exhibit_id))
        self.player.seek(ann.start_ms)

    # -- another program wrote to the case -----------------------------------------------------------
    def poll(self) -> None:
        if self._offline:
            self._try_reconnect()
            return
        try:
            version = self.store.data_version()
        except ReviewError as exc:
            if getattr(exc, "lost", False):  # a server case's connection: say so at once, and retry
                self._offline = True
                self.connectionChanged.emit(
                    f"Not connected: {exc} Everything saved before is on the server. Changes you make now are "
                    "kept on this computer and sent when it is back; trying to reconnect every second.")
            return
        except Exception:  # noqa: BLE001 - a vanished file is reported when it is next written
            return
        self._ticks += 1
        if self.outbox is not None and self._ticks % PRESENCE_EVERY == 1:
            self._show_present()
        if version == self._version:
            return
        who = self._who_changed(self._version)
        self._version = version
        self.reload(who)

    def _who_changed(self, since: int) -> str:
        """On a server case, who made the changes just found (names as given, roles as the server saw)."""
        if self.outbox is None:
            return ""
        try:
            rows = audit.entries_since(self.store.db, since)
        except ReviewError:
            return ""
        people = dict.fromkeys(f"{r['actor']} ({r['db_role']})" if r["db_role"] else r["actor"] for r in rows)
        return ", ".join(people)

    def _show_present(self) -> None:
        from ..core.pg.live import present  # noqa: PLC0415 - server cases only

        try:
            people = present(self.store)
        except ReviewError:
            return
        names = [f"{p.name or p.role} ({p.role})" if p.name and p.name != p.role else p.role for p in people]
        self.presentChanged.emit((f"Also here: {', '.join(names)}" if names else "Nobody else has this case open") + "  ·")

    def _try_reconnect(self) -> None:
        try:
            self.store.reconnect()  # a change in doubt is settled by the outbox (landed_if)
        except ReviewError:
            return
        self._offline = False
        self.connectionChanged.emit("")
        self._version = self.store.data_version()
        self.reload()
        sent = self._send_kept()
        kept = f" {sent} change(s) made while offline were saved." if sent else ""
        self.message.emit(f"Connected to the server case again; the view is up to date.{kept}")

    def _send_kept(self) -> int:
        """Changes kept while the server was out of reach, sent in order; any that conflict
        with what someone did meanwhile are said, with the reviewer's own words."""
        try:
            sent, refused = self.outbox.send(self.store)
        except ReviewError as exc:
            self.error.emit(str(exc))
            return 0
        if sent:
            self._version = self.store.data_version()
            self.annotations.reload()
            self.message.emit(f"{sent} change(s) kept while offline were saved on the server.")
        if refused:
            self.error.emit(" ".join(refused))
        return sent

    def reload(self, who: str = "") -> None:
        self.coverage.flush()
        self.annotations.reload()
        self.exhibits.set_exhibits(self.store.exhibits(), self.store.case().timezone)
        for ex in self.exhibits.exhibits:
            self.exhibits.set_coverage(ex.id, self.coverage.current(ex.id))
        if self.selected is not None:
            self.selected = self.annotations.annotation_by_id(self.selected.id)
        self.caseChanged.emit()
        if who:
            self.message.emit(f"Changed by {who}; the view is up to date.")
        else:
            self.message.emit("The case file was changed by another program; the view is up to date.")

