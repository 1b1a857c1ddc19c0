"""The transcript pane and the transcription run, through the window.

The draft is written with ``transcripts.save_draft`` from hand-written segments (the model
is slow, and is tested in tests/core); a fake ``transcribe_file`` proves the worker's
progress, cancel and saving wiring.
"""

from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton

from bwv_review.core import transcribe, transcripts
from bwv_review.core.store import CaseStore
from bwv_review.core.transcripts import Segment, Word
from bwv_review.ui.main_window import MainWindow

pytestmark = pytest.mark.gui

SEGMENTS = [
    Segment(120, 880, "He grabbed me", [Word("He", 120, 300, 0.97), Word("grabbed", 300, 640, 0.31),
                                         Word("me", 640, 880, 0.93)]),
    Segment(1000, 1800, "by the throat.", [Word("by", 1000, 1180, 0.9), Word("the", 1180, 1320, 0.95),
                                            Word("throat.", 1320, 1800, 0.88)]),
]


def _save_draft(case_path, segments=SEGMENTS, model="hand-written"):
    with CaseStore.open(case_path) as store:
        transcripts.save_draft(store, "AB/1", segments, model=model, reviewer="Test Reviewer")


def _open(qtbot, case_path) -> MainWindow:
    win = MainWindow()
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    assert win.open_case(case_path)
    win.activateWindow()
    qtbot.waitUntil(lambda: win.player.duration_ms() > 0 and win.player.current_frame_index() == 0)
    return win


@pytest.fixture
def window(qtbot, review_case):
    _save_draft(review_case)
    win = _open(qtbot, review_case)
    yield win
    win.close()
    assert win.pool.running() == 0


def _read(case_path):
    with CaseStore.open(case_path, readonly=True) as store:
        return store.annotations(), [r["action"] for r in store.audit_rows()], store.categories()


def test_pane_lists_words_marks_unsure_and_follows_playback(qtbot, window):
    pane = window.transcript.pane
    assert window.transcript.dock.isVisible()
    assert "machine draft" in window.transcript.dock.windowTitle()
    assert [w.word for w in pane.words] == ["He", "grabbed", "me", "by", "the", "throat."]
    text = pane.view.toPlainText()
    assert "He grabbed me" in text and "by the throat." in text and "00:00:01.0" in text
    # The unsure word has a dotted underline and a tooltip giving its probability.
    start, _end = pane.view.spans[1]
    cursor = pane.view.textCursor()
    cursor.setPosition(start + 1)
    fmt = cursor.charFormat()
    assert fmt.underlineStyle() == fmt.UnderlineStyle.DotLine and "0.31" in fmt.toolTip()
    assert "6 words, 1 unsure" in pane.info.text()

    window.player.seek(1200)  # "the" is being said
    qtbot.waitUntil(lambda: pane.view.current is not None and pane.words[pane.view.current].word == "the")
    [current] = [e for e in pane.view.extraSelections() if e.format.fontWeight() > 400]
    assert current.cursor.selectedText() == "the"
    # The timeline shows the draft as a track.
    assert [(a, b) for a, b, _t in window.timeline.transcript] == [(120, 880), (1000, 1800)]


def test_click_on_a_word_seeks(qtbot, window):
    view = window.transcript.pane.view
    rect = view.word_rect(3)  # "by", 1000 ms
    with qtbot.waitSignal(window.transcript.pane.seekRequested, check_params_cb=lambda ms: ms == 1000):
        qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.waitUntil(lambda: abs(window.player.position_ms() - 1000) <= 40)
    # A line's time goes to the start of the line.
    start, end, _ms = view._times[0]
    cursor = view.textCursor()
    cursor.setPosition(start + 3)
    with qtbot.waitSignal(window.transcript.pane.seekRequested, check_params_cb=lambda ms: ms == 120):
        qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=view.cursorRect(cursor).center())


def test_search_finds_words(qtbot, window):
    pane = window.transcript.pane
    window.transcript.focus_search()
    assert pane.search.hasFocus()
    qtbot.keyClicks(pane.search, "THE throat")
    assert pane.hit_starts == [4] and pane.found.text() == "1 found"
    assert sorted(pane.view.hits) == [4, 5]
    with qtbot.waitSignal(pane.seekRequested, check_params_cb=lambda ms: ms == 1180):
        qtbot.keyClick(pane.search, Qt.Key.Key_Return)
    pane.search.setText("strangled")
    assert pane.hit_starts == [] and pane.found.text() == "not in the draft"


def test_selected_words_and_key_1_make_one_draft_disclosure(qtbot, window, review_case):
    view = window.transcript.pane.view
    view.setFocus()
    view.select_words(3, 5)  # "by the throat."
    qtbot.keyClick(view, Qt.Key.Key_1)
    [ann], actions, cats = _read(review_case)
    disclosure = next(c for c in cats if c.key == "1")
    assert ann.category_id == disclosure.id and ann.text == "by the throat."
    assert (ann.start_ms, ann.end_ms) == (1000, 1800)
    assert ann.source == transcripts.MACHINE_SOURCE and ann.status == "draft"
    assert ann.note.startswith(transcripts.MACHINE_NOTE)
    assert actions[-1] == "annotation.add_from_transcript"
    assert window.session.selected.id == ann.id
    assert window.panel.current_annotation().id == ann.id  # selected in the table, to verify

    window.undo()
    anns, actions, _ = _read(review_case)
    assert anns == [] and actions[-1] == "annotation.undo-add"
    assert window.session.annotations.rowCount() == 0


def test_key_with_no_words_selected_marks_the_moment(qtbot, window, review_case):
    view = window.transcript.pane.view
    view.setFocus()
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=view.word_rect(0).center())
    qtbot.keyClick(view, Qt.Key.Key_1)
    [ann], actions, _ = _read(review_case)
    assert actions[-1] == "annotation.add" and ann.source is None


def test_transcribe_disabled_without_the_extra(qtbot, review_case, monkeypatch):
    sentence = "Transcription is not installed; enable it with pip install -e \".[transcribe]\"."
    monkeypatch.setattr(transcribe, "status", lambda choice=None: (False, sentence))
    win = _open(qtbot, review_case)
    try:
        flow = win.transcript
        assert not flow.transcribe_action.isEnabled()
        assert flow.transcribe_action.toolTip() == sentence
        assert not flow.pane.empty_button.isEnabled()
        assert "No machine draft for AB/1" in flow.pane.empty_text.text()
        assert sentence in flow.pane.empty_text.text()
    finally:
        win.close()


class FakeModel:
    """Stands in for transcribe_file: reports progress, then waits for the test's go-ahead."""

    def __init__(self):
        self.go = threading.Event()
        self.calls = []

    def __call__(self, path, model=None, language="en", progress=None, cancel=None, **_kw):
        self.calls.append(path)
        progress(500, 2000)
        assert self.go.wait(10)
        progress(2000, 2000)  # raises Cancelled if the reviewer cancelled meanwhile
        choice = transcribe.ModelChoice("fake", path.parent, "test")
        return transcribe.Draft(SEGMENTS[:1], choice, "en", 2000, "2026-01-01T00:00:00+00:00")


def test_transcribe_runs_in_a_worker_with_progress_cancel_and_save(qtbot, review_case, monkeypatch):
    fake = FakeModel()
    monkeypatch.setattr(transcribe, "status", lambda choice=None: (True, "Transcription uses the fake model."))
    monkeypatch.setattr(transcribe, "transcribe_file", fake)
    win = _open(qtbot, review_case)
    flow = win.transcript
    try:
        assert flow.transcribe_action.isEnabled() and flow.pane.empty_button.isEnabled()
        # Cancelled: nothing saved.
        task = flow.transcribe()
        qtbot.waitUntil(lambda: flow.progress is not None and flow.progress.value() == 500)
        assert not flow.transcribe_action.isEnabled()  # one run at a time
        with qtbot.waitSignal(task.done):
            qtbot.mouseClick(flow.progress.findChild(QPushButton), Qt.MouseButton.LeftButton)  # "Cancel"
            fake.go.set()
        assert win.pool.running() == 0 and flow.task is None
        assert transcripts.current_run(win.session.store, "AB/1") is None
        # Finished: saved on the GUI thread, audited, shown.
        fake.go.clear()
        task = flow.transcribe()
        with qtbot.waitSignal(task.done):
            fake.go.set()
        assert win.pool.running() == 0
        assert [w.word for w in flow.pane.words] == ["He", "grabbed", "me"]
        assert flow.transcribe_action.isEnabled()
        # Again: asks first, and a refusal changes nothing.
        monkeypatch.setattr(flow, "confirm_replace", lambda ref, run: False)
        assert flow.transcribe() is None
        fake.go.clear()
        monkeypatch.setattr(flow, "confirm_replace", lambda ref, run: True)
        task = flow.transcribe()
        with qtbot.waitSignal(task.done):
            fake.go.set()
        assert len(fake.calls) == 3
    finally:
        win.close()
    _anns, actions, _ = _read(review_case)
    assert actions.count("transcript.create") == 1 and actions[-1] == "transcript.replace"


def test_a_drag_selects_whole_words(qtbot, window):
    view = window.transcript.pane.view
    a = view.word_rect(1).center()  # from the middle of "grabbed"...
    end = view.word_rect(4)  # ...to just before "the", past all of "by"
    b = end.topLeft()
    b.setY(end.center().y())
    qtbot.mousePress(view.viewport(), Qt.MouseButton.LeftButton, pos=a)
    qtbot.mouseMove(view.viewport(), b)
    qtbot.mouseRelease(view.viewport(), Qt.MouseButton.LeftButton, pos=b)
    assert view.selected_indexes() == [1, 2, 3]
    cursor = view.textCursor()  # snapped to whole words: what a key press will use is what is shown
    assert (cursor.selectionStart(), cursor.selectionEnd()) == (view.spans[1][0], view.spans[3][1])
