"""The review session: one open case as a reviewer works it, with no Qt.

It holds what the window shows and what a reviewer's keys act on: the case's exhibits,
categories and marks; the exhibit on screen; the selected mark and the words being typed
into it; which key marks which category; whether playback resumes after the words; the
coverage being gathered, and the rules for what counts as watched; the undo and redo
stacks. Every change goes through ``core.operations``; the session applies the change set
to its own state and tells its observers (the window's adapters, or a test) by an
:class:`Event`. Another program's writes arrive the same way, from :meth:`Session.poll`.

Nothing here knows a widget exists: the window reports what the player did (the position,
"playing", the stretches shown) and acts on the events.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from operator import attrgetter
from typing import TYPE_CHECKING

from . import chronology, operations
from .errors import ReviewError
from .model import Annotation, Category, Exhibit
from .operations import ChangeSet
from .timecode import format_ms

if TYPE_CHECKING:
    from .store import CaseStore

log = logging.getLogger(__name__)

# What observers are told (Event.kind) and what comes with it (Event.value).
CHANGED = "changed"  # ChangeSet, already applied to the session's state
EXHIBIT = "exhibit"  # Exhibit | None: the exhibit on screen
SELECTED = "selected"  # Annotation | None: the mark being edited
UNDO = "undo"  # (label to undo | None, label to redo | None)
MESSAGE = "message"  # a sentence for the status bar
ERROR = "error"  # a sentence for a dialog: something was refused or failed
CLOSED = "closed"
CONNECTION, PRESENT = "connection", "present"  # server cases only: see core/team.py
MAIN_VIEW = "main"  # the case window's player; "synced" is Watch cameras together


@dataclass(frozen=True)
class Event:
    kind: str
    value: object = None


class Coverage:
    """Which seconds of each exhibit this reviewer has watched, and how fast.

    The rule: a second counts only when a view reports it shown while playing and that
    view's picture is visible (not minimised, not behind a modal dialog). Stretches are
    gathered here and written in one transaction per flush, never one write per frame.
    """

    def __init__(self, session: Session):
        self.session = session
        self.visible: dict[str, bool] = {}
        self.pending: dict[tuple[int, float], set[int]] = {}

    def set_visible(self, view: str, visible: bool) -> None:
        self.visible[view] = visible

    def watched(self, view: str, exhibit_id: int, from_ms: float, to_ms: float, speed: float) -> bool:
        """A view showed ``from_ms``..``to_ms`` of an exhibit while playing; True if it counts."""
        if not self.visible.get(view, True) or exhibit_id not in self.session.exhibits:
            return False
        lo, hi = sorted((int(from_ms), int(to_ms)))
        if hi <= lo:
            return False
        self.pending.setdefault((exhibit_id, round(float(speed), 3)), set()).update(range(lo // 1000, (hi - 1) // 1000 + 1))
        return True

    def flush(self) -> list[ChangeSet]:
        pending, self.pending = self.pending, {}
        store = self.session.store
        if store.readonly:
            return []
        done = []
        try:
            for (exhibit_id, speed), seconds in pending.items():
                done.append(operations.record_coverage(store, exhibit_id, self.session.reviewer, seconds, speed))
        except ReviewError as exc:  # a busy file: coverage is not evidence; keep it and try again
            log.warning("coverage not saved yet: %s", exc)
            for key, seconds in pending.items():
                self.pending.setdefault(key, set()).update(seconds)
        return done

    def current(self, exhibit_id: int) -> dict[int, float]:
        """{second: slowest speed} watched by this reviewer."""
        return self.session.store.coverage(exhibit_id, self.session.reviewer)


class Session:
    """One open case (the session owns its store and closes it)."""

    def __init__(self, store: CaseStore, reviewer: str, reaction_lag_ms: int = 0):
        self.store = store
        self.reviewer = reviewer or "unknown reviewer"
        self.reaction_lag_ms = reaction_lag_ms
        self._observers: list[Callable[[Event], None]] = []
        self.case = store.case()
        self.exhibits: dict[int, Exhibit] = {e.id: e for e in store.exhibits()}
        self.categories: dict[int, Category] = {c.id: c for c in store.categories()}
        self.entries = chronology.build(store)  # the table's first rows; later kept up by change sets
        self.annotations: dict[int, Annotation] = {e.annotation.id: e.annotation for e in self.entries}
        self.exhibit_id: int | None = None
        self.selected_id: int | None = None
        self.pending_words: dict[int, str] = {}
        self.resume_after_words = False
        self.coverage = Coverage(self)
        self.undo_stack: list[ChangeSet] = []
        self.redo_stack: list[ChangeSet] = []
        self._seen = store.audit_head()[0]
        self._version = store.data_version()
        self.closed = False
        self.typing_from: dict[int, Annotation] = {}  # each mark as it was when its words began
        self.team = None
        if getattr(store, "address", None) is not None:  # a case on a server
            from .team import Team  # noqa: PLC0415

            self.team = Team(self)

    # -- observers -------------------------------------------------------------------------
    def subscribe(self, observer: Callable[[Event], None]) -> None:
        self._observers.append(observer)

    def unsubscribe(self, observer: Callable[[Event], None]) -> None:
        if observer in self._observers:
            self._observers.remove(observer)

    def _tell(self, kind: str, value: object = None) -> None:
        for observer in list(self._observers):
            observer(Event(kind, value))

    # -- what is where -----------------------------------------------------------------------
    @property
    def readonly(self) -> bool:
        return self.store.readonly

    @property
    def exhibit(self) -> Exhibit | None:
        return self.exhibits.get(self.exhibit_id) if self.exhibit_id is not None else None

    @property
    def selected(self) -> Annotation | None:
        return self.annotations.get(self.selected_id) if self.selected_id is not None else None

    def category_for_key(self, key: int | str) -> Category | None:
        return next((c for c in self.categories.values() if c.key == str(key)), None)

    def key_map(self) -> dict[str, Category]:
        """Keys 1-9 and the category each marks in this case."""
        return {c.key: c for c in sorted(self.categories.values(), key=lambda c: (c.position, c.id or 0)) if c.key}

    def marks_on(self, exhibit_id: int) -> list[Annotation]:
        return sorted((a for a in self.annotations.values() if a.exhibit_id == exhibit_id),
                      key=attrgetter("start_ms", "id"))  # (start_ms, id), made in C: 100,000 marks

    # -- changing the case ----------------------------------------------------------------------
    def _run(self, make: Callable[[], ChangeSet], undoable: bool = True,
             offline: tuple | None = None) -> ChangeSet | None:
        """Run one operation; apply and announce its change set, or say why it was refused.
        ``offline``: (kind, mark, changes) to keep if a server case cannot be reached."""
        if self.closed:
            return None
        if self.readonly:
            self._tell(ERROR, "This case is open read-only; nothing was changed.")
            return None
        try:
            if self.reviewer not in self.case.reviewers:  # named on the case at the first change
                self._adopt(operations.add_reviewer(self.store, self.reviewer))
            change = make()
        except ReviewError as exc:
            if self.team is not None and getattr(exc, "lost", False):
                if offline is not None and self.team.keep(*offline, exc):
                    return None
                self.team.went_away(exc)
            self._tell(ERROR, str(exc))
            return None
        if undoable and change and change.undoable:
            self.undo_stack.append(change)
            self.redo_stack.clear()
            self._tell_undo()
        self._adopt(change)
        return change

    def _adopt(self, change: ChangeSet) -> None:
        """Apply a change set this session made (here, or on a worker's own connection)."""
        if change.number is not None and change.number != self._seen + 1:
            # Someone else wrote in between: take theirs and ours from the log, in order.
            change = replace(operations.changes_since(self.store, self._seen), outside=False)
        if change.last_seq is not None:
            self._seen = max(self._seen, change.last_seq)
        self.apply(change)

    def apply(self, change: ChangeSet) -> None:
        """Bring the session's state up to date with ``change`` and tell the observers."""
        if not change:
            return
        for ann_id, ann in change.annotations().items():
            if ann is None:
                self.annotations.pop(ann_id, None)
                self.pending_words.pop(ann_id, None)
            else:
                self.annotations[ann_id] = ann
        for ex_id, ex in change.exhibits().items():
            if ex is None:
                self.exhibits.pop(ex_id, None)
            else:
                self.exhibits[ex_id] = ex
        for cat_id, cat in change.categories().items():
            if cat is None:
                self.categories.pop(cat_id, None)
            else:
                self.categories[cat_id] = cat
        if change.case_changed:
            self.case = self.store.case()
        self._tell(CHANGED, change)
        if self.selected_id is not None and self.selected_id not in self.annotations:
            self.selected_id = None
            self._tell(SELECTED, None)

    def poll(self) -> ChangeSet | None:
        """Take in what another program (the CLI, another reviewer) wrote since we last looked."""
        if self.closed or (self.team is not None and not self.team.poll()):
            return None
        try:
            version = self.store.data_version()
        except ReviewError as exc:
            if self.team is not None and getattr(exc, "lost", False):
                self.team.went_away(exc)
            return None
        except Exception:  # noqa: BLE001 - a vanished file is reported when it is next written
            return None
        if version == self._version:
            return None
        self._version = version
        change = operations.changes_since(self.store, self._seen, coverage=self.exhibits)
        self._seen = change.last_seq
        self.apply(change)
        others = [a for a in change.actors() if a != self.reviewer]
        if change.rows:
            who = ", ".join(others) if others else "another program"
            self._tell(MESSAGE, f"The case was changed by {who}; the view is up to date.")
        return change

    # -- exhibits and selection ---------------------------------------------------------------------
    def open_exhibit(self, exhibit_id: int | None) -> None:
        """Put an exhibit on screen; a mark selected on another exhibit is let go (its words kept)."""
        if exhibit_id == self.exhibit_id:
            return
        self.flush_coverage()
        self.commit_words()
        self.exhibit_id = exhibit_id
        self._tell(EXHIBIT, self.exhibit)
        sel = self.selected
        if sel is not None and sel.exhibit_id != exhibit_id:
            self.select(None)

    def select(self, annotation_id: int | None) -> None:
        if annotation_id == self.selected_id:
            return
        self.commit_words()
        self.selected_id = annotation_id if annotation_id in self.annotations else None
        self._tell(SELECTED, self.selected)

    # -- marking and the words -----------------------------------------------------------------
    def mark(self, key: int | str, at_ms: int, playing: bool = False, speed: float = 1.0,
             exhibit_id: int | None = None) -> Annotation | None:
        """Mark the category bound to ``key`` at ``at_ms`` (the frame on screen) on the exhibit on
        screen, or ``exhibit_id``; while playing, step back by the reaction lag. The new mark is
        selected, ready for its words."""
        exhibit = self.exhibits.get(exhibit_id if exhibit_id is not None else self.exhibit_id)
        if exhibit is None:
            self._tell(MESSAGE, "Open an exhibit first (double-click it in the exhibits panel).")
            return None
        cat = self.category_for_key(key)
        if cat is None:
            self._tell(MESSAGE, f"No category is bound to key {key}.")
            return None
        if playing:  # the key comes a moment after the words
            at_ms -= int(self.reaction_lag_ms * speed)
        at_ms = max(0, min(int(at_ms), exhibit.duration_ms))
        log.info("mark %s at %d ms on %s (playing=%s)", cat.slug, at_ms, exhibit.ref, playing)
        ann = Annotation(exhibit_id=exhibit.id, start_ms=at_ms, category_id=cat.id)
        label = f"Mark {cat.name} at {format_ms(at_ms)} on {exhibit.ref}"
        change = self._run(lambda: operations.add_annotation(self.store, ann, self.reviewer, label=label))
        if change is None or change.annotation() is None:
            return None
        made = change.annotation()
        self.select(made.id)
        self.resume_after_words = playing
        self._tell(MESSAGE, f"{cat.name} marked at {format_ms(made.start_ms)} on {exhibit.ref}. "
                            "Type the words, then Enter.")
        return made

    def add_annotation(self, ann: Annotation, action: str = operations.ANNOTATION_ADD, label: str = "") -> Annotation | None:
        change = self._run(lambda: operations.add_annotation(self.store, ann, self.reviewer, action=action, label=label),
                           offline=("add", ann, {}))
        made = change.annotation() if change else None
        if made is not None:
            self.select(made.id)
        return made

    def type_words(self, text: str) -> None:
        """Words typed into the selected mark, not saved yet (saved on Enter, on leaving the
        field, on choosing another mark or exhibit, and when the case or the app closes)."""
        sel = self.selected
        if sel is None:
            return
        if text == sel.text:
            self.pending_words.pop(sel.id, None)
            self.typing_from.pop(sel.id, None)
        else:
            self.pending_words[sel.id] = text
            self.typing_from.setdefault(sel.id, sel)

    def words_for(self, annotation_id: int) -> str | None:
        return self.pending_words.get(annotation_id)

    def commit_words(self) -> None:
        for ann_id, text in list(self.pending_words.items()):
            self.pending_words.pop(ann_id, None)
            if ann_id in self.annotations and not self.readonly:
                self.edit(ann_id, {"text": text}, expected=self.typing_from.pop(ann_id, None))

    def words_confirmed(self) -> bool:
        """Enter in the words: save them; True if playback should carry on."""
        self.commit_words()
        resume, self.resume_after_words = self.resume_after_words, False
        return resume

    # -- editing --------------------------------------------------------------------------------
    def edit(self, annotation_id: int, changes: dict, expected: Annotation | None = None) -> ChangeSet | None:
        """``expected``: the mark as the reviewer saw it when they began (else as shown now); a
        change another reviewer saved since refuses this one, with a sentence naming them."""
        if "text" not in changes:
            self.commit_words()  # the words typed first, as their own change
        seen = expected or self.annotations.get(annotation_id)
        return self._run(lambda: operations.edit_annotation(self.store, annotation_id, self.reviewer, changes,
                                                            expected=seen), offline=("update", seen, changes))

    def _on_screen(self, annotation_id: int | None) -> Annotation | None:
        """The mark a position on screen may be given to: it must be on the exhibit shown."""
        ann = self.annotations.get(annotation_id) if annotation_id is not None else self.selected
        if ann is None:
            self._tell(MESSAGE, "Select a mark first (click it in the table).")
            return None
        if ann.exhibit_id != self.exhibit_id:
            mine = self.exhibits[ann.exhibit_id].ref
            shown = self.exhibit.ref if self.exhibit else "no exhibit"
            self._tell(ERROR, f"This mark is on exhibit {mine}, but {shown} is on screen, so the position shown "
                              f"is not a time in {mine}. Open {mine} first; nothing was changed.")
            return None
        return ann

    def set_start_here(self, position_ms: int, annotation_id: int | None = None) -> ChangeSet | None:
        return self._at_position(operations.set_start, position_ms, annotation_id)

    def set_end_here(self, position_ms: int, annotation_id: int | None = None) -> ChangeSet | None:
        return self._at_position(operations.set_end, position_ms, annotation_id)

    def _at_position(self, operation, position_ms: int, annotation_id: int | None) -> ChangeSet | None:
        ann = self._on_screen(annotation_id)
        if ann is None:
            return None
        self.commit_words()
        return self._run(lambda: operation(self.store, ann.id, position_ms, self.reviewer, expected=ann))

    def set_interval(self, annotation_id: int, start_ms: int, end_ms: int) -> ChangeSet | None:
        if self._on_screen(annotation_id) is None:
            return None
        seen = self.annotations.get(annotation_id)
        return self._run(lambda: operations.set_interval(self.store, annotation_id, start_ms, end_ms, self.reviewer,
                                                         expected=seen),
                         offline=("update", seen, {"start_ms": start_ms, "end_ms": end_ms}))

    def delete(self, annotation_id: int | None = None) -> ChangeSet | None:
        target = annotation_id if annotation_id is not None else self.selected_id
        if target is None:
            self._tell(MESSAGE, "Select a mark first (click it in the table).")
            return None
        self.pending_words.pop(target, None)
        self.commit_words()
        seen = self.annotations.get(target)
        return self._run(lambda: operations.delete_annotation(self.store, target, self.reviewer, expected=seen),
                         offline=("delete", seen, {}))

    def link(self, annotation_ids: list[int]) -> ChangeSet | None:
        self.commit_words()
        return self._run(lambda: operations.link(self.store, annotation_ids, self.reviewer))

    def unlink(self, annotation_id: int) -> ChangeSet | None:
        self.commit_words()
        return self._run(lambda: operations.unlink(self.store, annotation_id, self.reviewer))

    def align(self, ref: str, ref2: str, offset_ms: float, source: str = "aligned") -> ChangeSet | None:
        return self._run(lambda: operations.set_start_from(self.store, ref, ref2, offset_ms, self.reviewer, source))

    def relink(self, ref: str, footage, sha256: str) -> ChangeSet | None:
        return self._run(lambda: operations.relink(self.store, ref, footage, sha256, self.reviewer))

    def import_annotations(self, path, exhibit_ref: str, **options) -> ChangeSet | None:
        warnings: list[str] = []

        def run() -> ChangeSet:
            change, result = operations.import_annotations(self.store, path, exhibit_ref, self.reviewer, **options)
            warnings.extend(result.warnings)
            return change

        change = self._run(run)
        for warning in warnings:
            self._tell(MESSAGE, warning)
        return change

    def change(self, make: Callable[[], ChangeSet]) -> ChangeSet | None:
        """Run a core operation (``make`` calls it) as this reviewer's undoable change; None when
        refused (the reason is told as an error). For front ends' own operations, e.g. redaction."""
        return self._run(make)

    def adopt(self, change: ChangeSet) -> None:
        """A change this session's own worker made on its own connection (footage added)."""
        self._adopt(change)

    # -- undo and redo ------------------------------------------------------------------------------
    def undo(self) -> ChangeSet | None:
        self.commit_words()
        return self._step(self.undo_stack, self.redo_stack, operations.undo, "undo")

    def redo(self) -> ChangeSet | None:
        return self._step(self.redo_stack, self.undo_stack, operations.redo, "redo")

    def _step(self, source: list[ChangeSet], target: list[ChangeSet], reverse, verb: str) -> ChangeSet | None:
        """Undo (or redo) the newest change on ``source``; on success it moves to ``target``.
        Refused (and left in place, with the reason said) if it has been changed since."""
        if not source:
            self._tell(MESSAGE, f"Nothing to {verb}.")
            return None
        change = source[-1]
        done = self._run(lambda: reverse(self.store, change, self.reviewer), undoable=False)
        if done is not None:
            source.pop()
            target.append(done)
            self._tell_undo()
            self._tell(MESSAGE, f"{done.label} (saved and audited).")
        return done

    def _tell_undo(self) -> None:
        self._tell(UNDO, (self.undo_stack[-1].label if self.undo_stack else None,
                          self.redo_stack[-1].label if self.redo_stack else None))

    # -- coverage -----------------------------------------------------------------------------------
    def watched(self, exhibit_id: int, from_ms: float, to_ms: float, speed: float, view: str = MAIN_VIEW) -> bool:
        return self.coverage.watched(view, exhibit_id, from_ms, to_ms, speed)

    def flush_coverage(self) -> None:
        for change in self.coverage.flush():
            self.apply(change)

    # -- closing --------------------------------------------------------------------------------------
    def close(self) -> None:
        """Save the words being typed and the coverage gathered, then close the case file."""
        if self.closed:
            return
        self.commit_words()
        self.flush_coverage()
        self.closed = True
        self._tell(CLOSED)
        self._observers.clear()
        self.store.close()
