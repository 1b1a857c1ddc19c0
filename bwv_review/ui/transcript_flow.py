"""The machine draft in the window: the transcript dock, the risk-factor suggestions dock,
their menu items and the transcription run.

Like FootageFlow for hashing, the slow part (``transcribe.transcribe_file``) runs through
the task helper with a progress window that can cancel it; the draft is saved (a core
operation, audited) back on the GUI thread that owns the case file. The window places the
dock and the menu items and hands over the session; this object follows the exhibit on
screen and the change sets from there. Words made into a mark go through the same
undoable, audited operation as a key press on the video.
"""

from __future__ import annotations

import functools
import logging

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QDockWidget, QProgressDialog

from ..core.errors import ReviewError
from . import file_dialogs
from .dialogs.message import ask
from .keyboard import make_action
from .suggestions import DOCK_TITLE as SUGGESTIONS_TITLE
from .suggestions import SuggestionsPane
from .tasks import Task, preload_worker_modules
from .transcript import DOCK_TITLE, TranscriptPane, made_at

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
    """The Transcript and Suggestions docks and their menu items; the window places them
    (``dock``, ``suggestions_dock``, ``actions``)."""

    error = Signal(str)  # a sentence for a dialog
    message = Signal(str)  # for the status bar
    markHere = Signal(int)  # 1-9 in the pane with no words selected: an ordinary mark

    def __init__(self, pool, player, timeline, settings, parent_widget):
        super().__init__(parent_widget)
        self.pool, self.player, self.timeline, self.settings = pool, player, timeline, settings
        self.parent_widget = parent_widget
        self.session = None
        self._links: list = []
        self.task: Task | None = None
        self.progress: QProgressDialog | None = None
        self.pane = TranscriptPane()
        self.dock = QDockWidget(DOCK_TITLE, parent_widget)
        self.dock.setObjectName("dock-transcript")  # saveState/restoreState find docks by name
        self.dock.setWidget(self.pane)
        self.dock.hide()
        self.suggestions = SuggestionsPane()
        self.suggestions_dock = QDockWidget(SUGGESTIONS_TITLE, parent_widget)
        self.suggestions_dock.setObjectName("dock-suggestions")
        self.suggestions_dock.setWidget(self.suggestions)
        self.suggestions_dock.hide()
        self.placed = False
        self.usable, self.sentence = False, "Open a case and an exhibit first."  # check_status() says more
        self.transcribe_action = make_action(parent_widget, "Transcribe this exhibit\u2026", self.transcribe,
                                         tip="Make a machine draft of what is said (on this computer)")
        self.model_action = make_action(parent_widget, "Transcription model folder\u2026", self.choose_model,
                                    tip="Use another faster-whisper model folder instead of the bundled one")
        self.search_action = make_action(parent_widget, "Search the transcript", self.focus_search, "Ctrl+Shift+F",
                                     "Search the machine draft transcript")
        self.suggest_action = make_action(parent_widget, "Risk-factor suggestions", self.show_suggestions,
                                          "Ctrl+Shift+R", "Where the machine draft may hold a disclosure of a risk "
                                          "factor (suggestions only: watch the whole recording)")
        self.actions = [self.transcribe_action, self.search_action, self.suggest_action, self.model_action]
        self.pane.seekRequested.connect(player.seek)
        self.suggestions.seekRequested.connect(player.seek)
        self.suggestions.markRequested.connect(self.mark_suggestion)
        self.pane.markWords.connect(self.mark_words)
        self.pane.markHere.connect(self.markHere)
        self.pane.transcribeRequested.connect(self.transcribe)
        player.positionChanged.connect(self.pane.set_position)
        self._update_actions()

    # -- following the case ---------------------------------------------------------------------
    def set_session(self, session) -> None:
        for signal, slot in self._links:
            signal.disconnect(slot)
        self.session = session
        self._links = []
        if session is None:
            self.dock.hide()
            self.suggestions_dock.hide()
            self.refresh()
            return
        self._links = [(session.exhibitOpened, self.refresh), (session.changed, self._changed)]
        for signal, slot in self._links:
            signal.connect(slot)
        self.check_status()
        self.refresh()

    def _changed(self, change) -> None:
        ex = self._exhibit()
        if ex is not None and (ex.id in change.transcripts() or ex.id in change.exhibits()):
            self.refresh()

    def check_status(self) -> None:
        """Whether transcription can run here (the extra installed, a model folder found)."""
        self.usable, self.sentence = _transcribe().status(self.settings.transcribe_model or None)
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
        timeline = self.timeline
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
            self.pane.set_position(self.player.position_ms())
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
        changed = _transcripts().draft_problem(self.session.store, run)  # a draft edited to hide a disclosure
        if changed:
            summary = f"WARNING: {changed} These suggestions come from it as it is now. {summary}"
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
        cat = next((c for c in session.core.categories.values() if c.slug == suggestion.category), None)
        if cat is None:
            self.error.emit(f"The risk-factor list suggests the category \"{suggestion.category}\", which this "
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
        folder = file_dialogs.getExistingDirectory(self.parent_widget, "Choose a faster-whisper model folder "
                                                  "(empty: bundled)", self.settings.transcribe_model)
        if folder:
            self.settings.transcribe_model = folder
            self.check_status()
            self.refresh()
            self.message.emit(self.sentence)

    # -- words into a mark ----------------------------------------------------------------------------
    def mark_words(self, key: int, words: list) -> None:
        session = self.session
        if session is None:
            return
        cat = session.core.category_for_key(key)
        if cat is None:
            self.message.emit(f"No category is bound to key {key}.")
            return
        self._mark_from_words(cat, words, "", f"Mark {cat.name} from the transcript")

    def _mark_from_words(self, cat, words: list, why: str, label: str) -> None:
        session, ex = self.session, self._exhibit()
        if session is None or ex is None:
            return
        try:
            ann = _transcripts().annotation_from_words(session.store, ex, words, cat.id, reviewer=session.actor(),
                                                       why=why)
        except ReviewError as exc:
            self.error.emit(str(exc))
            return
        from ..core import operations  # noqa: PLC0415 - the start page loads no case machinery

        made = session.core.add_annotation(ann, action=operations.ANNOTATION_ADD_FROM_TRANSCRIPT, label=label)
        if made is not None:
            self.message.emit(f"Draft {cat.name} mark made from {len(words)} word(s) of the machine draft. "
                              "Listen to it, correct the words, then mark it verified.")

    # -- transcribing -------------------------------------------------------------------------------
    def confirm_replace(self, ref: str, run) -> bool:
        return ask(self.parent_widget, "Replace the machine draft?",
                   f"Exhibit {ref} already has a machine draft (model {run.model}, {made_at(run.finished)}). "
                   "Transcribing again replaces that draft. Marks made from it, and every other mark, stay as "
                   "they are.", "Replace the draft", "Cancel")

    def transcribe(self) -> Task | None:
        why = self._why_not()
        if why is not None:
            self.error.emit(why)
            return None
        session, ex = self.session, self._exhibit()
        run = _transcripts().current_run(session.store, ex)
        if run is not None and not self.confirm_replace(ex.ref, run):
            return None
        try:
            path = session.store.footage_path(ex)
        except ReviewError as exc:  # its stored path leads somewhere this computer will not follow
            self.error.emit(str(exc))
            return None
        if not path.is_file():
            self.error.emit(f"The footage of exhibit {ex.ref} is missing ({path}); relink it first.")
            return None
        model = self.settings.transcribe_model or None

        def work(progress, cancelled):
            return _transcribe().transcribe_file(path, model, "en", progress, cancelled)

        preload_worker_modules("ctranslate2", "faster_whisper")  # imported here, not in the worker
        task = self.task = Task(work, f"transcribe {ex.ref}")
        task.succeeded.connect(functools.partial(self._transcribed, session, ex.id))
        task.done.connect(self._task_done)
        self.pool.start(task, f"Transcribing exhibit {ex.ref} on this computer\u2026", self.parent_widget,
                        cancelled="Transcription cancelled; nothing was saved.", at_once=True)
        self.progress = task.dialog
        self._update_actions()
        return task

    def _task_done(self) -> None:
        self.progress, self.task = None, None
        self._update_actions()

    def _transcribed(self, session, exhibit_id: int, draft) -> None:
        if session is not self.session:
            log.info("transcription finished after its case was closed; not saved")
            return
        ex = session.core.exhibits.get(exhibit_id)
        try:
            from ..core import operations  # noqa: PLC0415

            change = operations.save_machine_draft(session.store, ex, draft.segments,
                                                   **draft.run_fields(session.actor()))
        except ReviewError as exc:
            self.error.emit(str(exc))
            return
        session.core.adopt(change)
        words = _transcripts().all_words(draft.segments)
        unsure = sum(w.low_confidence for w in words)
        self.message.emit(f"Machine draft of {ex.ref} saved: {len(words)} words, {unsure} unsure. "
                          "Check every quote against the sound.")
