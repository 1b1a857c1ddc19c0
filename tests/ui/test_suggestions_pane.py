"""The risk-factor suggestions list in the window: what it shows, Enter goes there, M makes a
draft mark of the factor's category, and it always says it can miss things.

The draft is hand-written with ``transcripts.save_draft`` (the model is tested in tests/core)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from bwv_review.core import transcripts
from bwv_review.core.store import CaseStore
from bwv_review.core.transcripts import Segment, Word
from bwv_review.ui.suggestions import CAVEAT
from tests.ui.test_transcript_pane import _open, _read

pytestmark = pytest.mark.gui

SEGMENTS = [
    Segment(100, 560, "Police, hello.", [Word("Police,", 100, 300, 0.95), Word("hello.", 320, 560, 0.9)]),
    Segment(700, 1500, "He's twangled me.", [Word("He's", 700, 900, 0.9), Word("twangled", 920, 1250, 0.31),
                                            Word("me.", 1270, 1500, 0.93)]),
    Segment(1550, 1990, "He'd kill me.", [Word("He'd", 1550, 1700, 0.9), Word("kill", 1710, 1850, 0.88, True),
                                         Word("me.", 1860, 1990, 0.9)]),
]


@pytest.fixture
def window(qtbot, review_case):
    with CaseStore.open(review_case) as store:
        transcripts.save_draft(store, "AB/1", SEGMENTS, model="hand-written", reviewer="Test Reviewer")
    win = _open(qtbot, review_case)
    yield win
    win.close()


def test_the_list_shows_time_factor_words_and_reason_under_the_caveat(qtbot, window, qtmodeltester):
    flow = window.transcript
    pane = flow.suggestions
    assert flow.suggestions_dock.isVisible() and "not marks" in flow.suggestions_dock.windowTitle()
    assert pane.caveat.text() == CAVEAT and pane.caveat.isVisible()
    assert "can miss a disclosure" in CAVEAT and "Watch the whole recording" in CAVEAT
    model = pane.model
    qtmodeltester.check(model)
    rows = [[model.index(r, c).data() for c in range(2)] for r in range(model.rowCount())]
    assert [r[0] for r in rows] == ["00:00:00.9", "00:00:01.5"]
    factor, words, why = rows[0][1].split("\n")
    assert factor == "Strangulation, choking or suffocation  (listen: unsure words)"
    assert words == "\u201cHe's twangled me.\u201d" and 'sounds like "strangled"' in why
    factor, words, why = rows[1][1].split("\n")
    assert factor == "Threat to kill  (listen: unsure words)" and words == "\u201cHe'd kill me.\u201d"
    assert why.startswith('The draft says "He\'d kill me."') and 'told to listen for "kill"' in why
    assert "2 place(s) in the machine draft of AB/1" in pane.summary.text()
    tip = model.index(1, 1).data(Qt.ItemDataRole.ToolTipRole)  # the whole reason
    assert "Threat to kill: the draft says" in tip and "recognised high-risk" in tip


def test_enter_goes_there_and_m_makes_a_draft_mark_of_the_factor(qtbot, window, review_case):
    pane = window.transcript.suggestions
    pane.select(1)
    qtbot.keyClick(pane.view, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: abs(window.player.position_ms() - 1550) <= 40)

    pane.select(0)
    qtbot.keyClick(pane.view, Qt.Key.Key_M)
    [ann], actions, cats = _read(review_case)
    risk_factor = next(c for c in cats if c.slug == "risk-factor")
    assert ann.category_id == risk_factor.id and ann.status == "draft" and ann.source == transcripts.MACHINE_SOURCE
    assert ann.text == "He's twangled me." and (ann.start_ms, ann.end_ms) == (700, 1500)
    assert ann.note.startswith(transcripts.MACHINE_NOTE)
    assert 'Machine words: "He\'s [?twangled] me."' in ann.note
    assert "risk-factor suggestion (Strangulation, choking or suffocation)" in ann.note
    assert actions[-1] == "annotation.add_from_transcript"
    assert window.panel.current_annotation().id == ann.id
    # The suggestion is still a suggestion: marking it did not change the list.
    assert pane.model.rowCount() == 2
    window.undo()
    assert _read(review_case)[0] == []


def test_without_a_draft_it_says_what_to_do_and_to_watch_it_all(qtbot, review_case):
    win = _open(qtbot, review_case)
    try:
        pane = win.transcript.suggestions
        assert pane.model.rowCount() == 0 and pane.stack.currentIndex() == 1
        assert "No machine draft for AB/1 yet" in pane.empty.text() and "watch it all" in pane.empty.text()
        assert pane.caveat.isVisible()
    finally:
        win.close()


def test_read_only_case_cannot_be_marked_from_a_suggestion(qtbot, review_case):
    with CaseStore.open(review_case) as store:
        transcripts.save_draft(store, "AB/1", SEGMENTS, model="hand-written", reviewer="Test Reviewer")
    review_case.chmod(0o444)
    win = _open(qtbot, review_case)
    try:
        pane = win.transcript.suggestions
        assert pane.model.rowCount() == 2 and not pane.mark_button.isEnabled()
        pane.select(0)
        qtbot.keyClick(pane.view, Qt.Key.Key_M)
        assert _read(review_case)[0] == []
    finally:
        win.close()
        review_case.chmod(0o644)


def test_the_menu_shows_the_list(qtbot, window):
    flow = window.transcript
    flow.suggestions_dock.hide()
    flow.suggest_action.trigger()
    assert flow.suggestions_dock.isVisible()
    assert flow.suggest_action.shortcut().toString() == "Ctrl+Shift+R"


def test_a_draft_changed_outside_the_app_is_said_above_the_suggestions(qtbot, review_case):
    # QA: a draft's words edited with sqlite3 changed the list without a word of warning.
    import sqlite3

    with CaseStore.open(review_case) as store:
        transcripts.save_draft(store, "AB/1", SEGMENTS, model="hand-written", reviewer="Test Reviewer")
    db = sqlite3.connect(review_case)
    db.execute("UPDATE transcript_segment SET text = replace(text, 'kill', 'kiss'), words = replace(words, 'kill', 'kiss')")
    db.commit()
    db.close()
    win = _open(qtbot, review_case)
    try:
        pane = win.transcript.suggestions
        text = pane.summary.text() if pane.stack.currentIndex() == 0 else pane.empty.text()
        assert text.startswith("WARNING: The machine draft transcript of exhibit AB/1 was changed outside the app.")
    finally:
        win.close()
