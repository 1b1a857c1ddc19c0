"""The machine draft in the window: the transcript dock, the risk-factor suggestions dock,
their menu items and the transcription run.

Like FootageFlow for hashing, the slow part (``transcribe.transcribe_file``) runs as a
Task on its own thread with a progress dialog that can cancel it; the draft is saved
(``transcripts.save_draft``, audited) back on the GUI thread that owns the case file.
The window only constructs this object: it follows ``caseOpened`` and the session's
exhibit from there. Words made into a mark go through the same undoable, audited
AddAnnotation command as a key press on the video.
"""

from __future__ import annotations

import functools
import logging

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QFileDialog, QMessageBox, QProgressDialog

from ..core.errors import ReviewError
from . import commands
from .suggestions import DOCK_TITLE as SUGGESTIONS_TITLE
from .suggestions import SuggestionsPane
from .transcript import DOCK_TITLE, TranscriptPane, made_at
from .workers import Task, preload_worker_modules

log = logging.getLogger(__name__)


# core.transcribe (numpy, PyAV) and core.transcripts (the case file) load when a case opens,
# not with the window: the start page needs neither. Looked up on the module at each call.
def _transcribe():
    from ..core import transcribe

    return transcribe


def _transcripts():
    from ..core import transcripts

    return transcripts


def _risk():
    from ..core import risk

    return risk


class TranscriptFlow(QObject):
    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.session = None
        self._links: list = []
        self.task: Task | None = None
        self.progress: QProgressDialog | None = None
        self.pane = TranscriptPane()
        self.dock = window._dock(DOCK_TITLE, "transcript", Qt.DockWidgetArea.LeftDockWidgetArea)
        self.dock.setWidget(self.pane)
        self.dock.hide()
        self.suggestions = SuggestionsPane()
        self.suggestions_dock = window._dock(SUGGESTIONS_TITLE, "suggestions", Qt.DockWidgetArea.BottomDockWidgetArea)
        self.suggestions_dock.setWidget(self.suggestions)
        self.suggestions_dock.hide()
        self._placed = False
        self.usable, self.sentence = False, "Open a case and an exhibit first."  # check_status() says more
        self.transcribe_action = window._action("Transcribe this exhibit\u2026", self.transcribe,
                                                tip="Make a machine draft of what is said (on this computer)")
        self.model_action = window._action("Transcription model folder\u2026", self.choose_model,
                                           tip="Use another faster-whisper model folder instead of the bundled one")
        self.search_action = window._action("Search the transcript", self.focus_search, "Ctrl+Shift+F",
                                            "Search the machine draft transcript")
        self.suggest_action = window._action("Risk-factor suggestions", self.show_suggestions, "Ctrl+Shift+R",
                                             "Where the machine draft may hold a disclosure of a risk factor "
                                             "(suggestions only: watch the whole recording)")
        menus = {a.text(): a.menu() for a in window.menuBar().actions() if a.menu() is not None}
        if "&Mark" in menus:
            menus["&Mark"].addSeparator()
            menus["&Mark"].addActions([self.transcribe_action, self.search_action, self.suggest_action,
                                       self.model_action])
        if "&View" in menus:
            menus["&View"].addAction(self.dock.toggleViewAction())
            menus["&View"].addAction(self.suggestions_dock.toggleViewAction())
        self.pane.seekRequested.connect(window.player.seek)
        self.pane.markWords.connect(self.mark_words)
        self.pane.markHere.connect(window.mark)
        self.pane.transcribeRequested.connect(self.transcribe)
        self.suggestions.seekRequested.connect(window.player.seek)
        self.suggestions.markRequested.connect(self.mark_suggestion)
        window.player.positionChanged.connect(self.pane.set_position)
        window.caseOpened.connect(self.case_opened)
        self._update_actions()

    # -- following the case ---------------------------------------------------------------------
    def case_opened(self, session) -> None:
        if self.session is not None:
            for signal, slot in self._links:
                signal.disconnect(slot)
        self.session = session
        self._links = []
        if session is None:
            self.dock.hide()
            self.suggestions_dock.hide()
            self.refresh()
            return
        self._links = [(session.exhibitOpened, self.refresh), (session.caseChanged, self.refresh)]
        for signal, slot in self._links:
            signal.connect(slot)
        if not self._placed and not self._in_saved_layout():  # first time: under the exhibits
            w = self.window
            w.splitDockWidget(w.exhibits_dock, self.dock, Qt.Orientation.Vertical)
            self.dock.show()
            w.resizeDocks([w.exhibits_dock, self.dock], [1, 2], Qt.Orientation.Vertical)
        if not self._placed and not self._in_saved_layout(self.suggestions_dock):  # beside the marks
            w = self.window
            w.splitDockWidget(w.marks_dock, self.suggestions_dock, Qt.Orientation.Horizontal)
            self.suggestions_dock.show()
            w.resizeDocks([w.marks_dock, self.suggestions_dock], [3, 2], Qt.Orientation.Horizontal)
        self._placed = True
        self.check_status()
        self.refresh()

    def _in_saved_layout(self, dock=None) -> bool:
        """True when the reviewer's saved dock layout (just restored) already places this dock."""
        _geometry, state = self.window.settings.window_state()
        dock = dock or self.dock
        return state is not None and dock.objectName().encode("utf-16-be") in bytes(state)

    def check_status(self) -> None:
        """Whether transcription can run here (the extra installed, a model folder found)."""
        self.usable, self.sentence = _transcribe().status(self.window.settings.transcribe_model or None)
        self._update_actions()

    def _exhibit(self):
        return self.session.exhibit if self.session is not None else None

    def _why_not(self) -> str | None:
        ex = self._exhibit()
        if ex is None:
            return "Open a case and an exhibit first."
        if not self.usable:
            return self.sentence
        if self.session.readonly:
            return "This case is open read-only; a machine draft cannot be saved in it."
        if not ex.has_audio:
            return f"Exhibit {ex.ref} has no sound track, so there is nothing to transcribe."
        if self.task is not None:
            return "A transcription is already running."
        return None

    def _update_actions(self) -> None:
        why = self._why_not()
        tip = why or self.sentence
        self.transcribe_action.setEnabled(why is None)
        self.transcribe_action.setToolTip(tip)
        self.transcribe_action.setStatusTip(tip)
        self.pane.set_can_transcribe(why is None, tip)

    def refresh(self, *_args) -> None:
        ex = self._exhibit()
        self._update_actions()
        timeline = self.window.timeline
        if ex is None:
            self.pane.show_empty("Open an exhibit to see its machine draft transcript.", False, "")
            if hasattr(timeline, "set_transcript"):
                timeline.set_transcript([])
            self.suggestions.show_empty("Open an exhibit with a machine draft to see risk-factor suggestions.")
            return
        store = self.session.store
        run = _transcripts().current_run(store, ex)
        segments = _transcripts().segments(store, ex) if run is not None else []
        if hasattr(timeline, "set_transcript"):
            timeline.set_transcript(segments)
        self._suggest(ex, run, segments)
        if run is not None:
            self.pane.show_draft(run, segments)
            self.pane.set_position(self.window.player.position_ms())
            return
        why = self._why_not()
        if why is None:
            sentence = (f"No machine draft for {ex.ref}.\n\nTranscribe\u2026 makes one on this computer (nothing "
                        "is sent anywhere). It is a draft to check against the sound, never evidence on its own.")
        elif not _transcribe().available():
            sentence = f"No machine draft for {ex.ref}. Transcribe\u2026 needs the transcribe extra.\n\n{why}"
        else:
            sentence = f"No machine draft for {ex.ref}.\n\n{why}"
        self.pane.show_empty(sentence, why is None, why or self.sentence)

    # -- risk-factor suggestions ----------------------------------------------------------------
    def _suggest(self, ex, run, segments) -> None:
        if run is None:
            self.suggestions.show_empty(f"No machine draft for {ex.ref} yet, so there is nothing to suggest from. "
                                        "Transcribe it (Mark > Transcribe this exhibit\u2026), and watch it all.")
            return
        try:
            factors = _risk().load_factors()
            found = _risk().suggest(segments, factors)
        except ReviewError as exc:
            self.suggestions.show_empty(str(exc))
            return
        self._draft_words = _transcripts().all_words(segments)
        if found:
            summary = (f"{len(found)} place(s) in the machine draft of {ex.ref} (model {run.model}) may hold a "
                       "disclosure of a risk factor.")
        else:
            summary = (f"No passage of the machine draft of {ex.ref} matches a risk factor. That does not mean "
                       "none was disclosed: watch the whole recording.")
        self.suggestions.summary.setToolTip(f"Risk factors and phrases: {factors.source}.")
        self.suggestions.show_suggestions(found, summary, can_mark=not self.session.readonly)

    def show_suggestions(self) -> None:
        self.suggestions_dock.show()
        self.suggestions_dock.raise_()
        self.suggestions.view.setFocus()

    def mark_suggestion(self, suggestion) -> None:
        """M on a suggestion: a draft mark of its factor's category from the draft's words there."""
        words = getattr(self, "_draft_words", [])[suggestion.first : suggestion.last + 1]
        session = self.session
        if session is None or not words:
            return
        cat = next((c for c in session.annotations.categories.values() if c.slug == suggestion.category), None)
        if cat is None:
            session.error.emit(f"The risk-factor list suggests the category \"{suggestion.category}\", which this "
                               "case does not have; make the mark from the transcript words instead.")
            return
        why = (f"Made from a risk-factor suggestion ({suggestion.name}); a suggestion is not a finding: "
               "check it against the sound.")
        self._mark_from_words(cat, words, why, f"Mark {cat.name} from a risk-factor suggestion")

    def focus_search(self) -> None:
        self.dock.show()
        self.dock.raise_()
        self.pane.focus_search()

    def choose_model(self) -> None:
        folder = QFileDialog.getExistingDirectory(self.window, "Choose a faster-whisper model folder (empty: bundled)",
                                                  self.window.settings.transcribe_model)
        if folder:
            self.window.settings.transcribe_model = folder
            self.check_status()
            self.refresh()
            self.window.statusBar().showMessage(self.sentence, 10000)

    # -- words into a mark ----------------------------------------------------------------------------
    def mark_words(self, key: int, words: list) -> None:
        session = self.session
        if session is None:
            return
        cat = next((c for c in session.annotations.categories.values() if c.key == str(key)), None)
        if cat is None:
            session.message.emit(f"No category is bound to key {key}.")
            return
        self._mark_from_words(cat, words, "", f"Mark {cat.name} from the transcript")

    def _mark_from_words(self, cat, words: list, why: str, label: str) -> None:
        session, ex = self.session, self._exhibit()
        if session is None or ex is None:
            return
        if session.readonly:
            session.error.emit("This case is open read-only; marks cannot be added.")
            return
        try:
            ann = _transcripts().annotation_from_words(session.store, ex, words, cat.id, reviewer=session.actor(),
                                                       why=why)
        except ReviewError as exc:
            session.error.emit(str(exc))
            return
        command = commands.AddAnnotation(session.ctx, ann, label=label, action="annotation.add_from_transcript")
        session.undo.push(command)
        if command.annotation_id is None:
            return
        session.selected = command.annotation
        panel = self.window.panel
        if panel is None or not panel.select_annotation(command.annotation_id):
            self.window.editor.set_annotation(command.annotation)
        session.message.emit(f"Draft {cat.name} mark made from {len(words)} word(s) of the machine draft. "
                             "Listen to it, correct the words, then mark it verified.")

    # -- transcribing -------------------------------------------------------------------------------
    def confirm_replace(self, ref: str, run) -> bool:
        answer = QMessageBox.question(
            self.window, "Replace the machine draft?",
            f"Exhibit {ref} already has a machine draft (model {run.model}, {made_at(run.finished)}). "
            "Transcribing again replaces that draft. Marks made from it, and every other mark, stay as they are.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel, QMessageBox.StandardButton.Cancel)
        return answer == QMessageBox.StandardButton.Yes

    def transcribe(self) -> Task | None:
        why = self._why_not()
        if why is not None:
            self.window.show_error(why)
            return None
        session, ex = self.session, self._exhibit()
        run = _transcripts().current_run(session.store, ex)
        if run is not None and not self.confirm_replace(ex.ref, run):
            return None
        path = session.store.footage_path(ex)
        if not path.is_file():
            self.window.show_error(f"The footage of exhibit {ex.ref} is missing ({path}); relink it first.")
            return None
        model = self.window.settings.transcribe_model or None

        def work(progress, cancelled):
            # The worker reports in KiB (it was made for bytes): give it ms x 1024 to get ms.
            return _transcribe().transcribe_file(path, model, "en", lambda d, t: progress(d * 1024, t * 1024),
                                              cancelled)

        preload_worker_modules("ctranslate2", "faster_whisper")  # imported here, not in the worker
        task = self.task = Task(work, f"transcribe {ex.ref}")
        dialog = self.progress = QProgressDialog(f"Transcribing exhibit {ex.ref} on this computer\u2026", "Cancel",
                                                 0, 0, self.window)
        dialog.setWindowTitle("bwv-review")
        dialog.setWindowModality(Qt.WindowModality.NonModal)  # the video can still be watched meanwhile
        dialog.setMinimumDuration(0)
        dialog.setAutoClose(False)
        dialog.setAutoReset(False)
        dialog.canceled.connect(task.cancel)
        task.progress.connect(functools.partial(_show_progress, dialog))
        task.succeeded.connect(functools.partial(self._transcribed, session, ex.id))
        task.failed.connect(self.window.show_error)
        task.cancelled.connect(lambda: self.window.statusBar().showMessage(
            "Transcription cancelled; nothing was saved.", 8000))
        task.done.connect(self._task_done)
        self.window.pool.start(task)
        self._update_actions()
        dialog.show()
        return task

    def _task_done(self) -> None:
        dialog, self.progress, self.task = self.progress, None, None
        if dialog is not None:
            dialog.close()
            dialog.deleteLater()
        self._update_actions()

    def _transcribed(self, session, exhibit_id: int, draft) -> None:
        if session is not self.session:
            log.info("transcription finished after its case was closed; not saved")
            return
        try:
            ex = session.store.exhibit_by_id(exhibit_id)
            _transcripts().save_draft(session.store, ex, draft.segments, **draft.run_fields(session.actor()))
        except ReviewError as exc:
            self.window.show_error(str(exc))
            return
        words = _transcripts().all_words(draft.segments)
        unsure = sum(w.low_confidence for w in words)
        session.message.emit(f"Machine draft of {ex.ref} saved: {len(words)} words, {unsure} unsure. "
                             "Check every quote against the sound.")
        if self._exhibit() is not None and self._exhibit().id == exhibit_id:
            self.refresh()


def _show_progress(dialog: QProgressDialog, done: int, total: int) -> None:
    dialog.setMaximum(max(1, total))
    dialog.setValue(min(done, max(1, total)))

