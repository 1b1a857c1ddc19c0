"""A new investigator's first hour, as bugs once found it: each reproduced, then held fixed.

Words lost on quit; the editor writing another camera's time; coverage counted behind a
dialog and not at all in Watch cameras together; marking there; a new case showing the
old one; go-to and clock times; Esc in the search box; the Mark menu's labels; dropping
footage on the start page after closing a case; opening a case that writes nothing; a
tampered case that says so.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent, QFont, QFontMetrics
from PySide6.QtWidgets import QApplication, QPushButton

from bwv_review.core.evidence import import_footage
from bwv_review.core.model import Annotation
from bwv_review.core.store import CaseStore
from bwv_review.ui.annotations.model import COL_STATUS, AnnotationRole
from bwv_review.ui.main_window import MainWindow
from tests.footage import write_clip

pytestmark = pytest.mark.gui
ME = "Test Reviewer"


@pytest.fixture
def two_camera_case(tmp_path):
    """AB/1 (10 s, with sound) and CD/1 (3 s) on one clock, in a case of their own."""
    folder = tmp_path / "case"
    folder.mkdir()
    ab = write_clip(folder / "AB-1.mp4", frames=250, fps=25, audio=True)
    cd = write_clip(folder / "CD-1.mp4", frames=75, fps=25)
    path = folder / "Operation Example.bwvcase"
    with CaseStore.create(path, "Operation Example", "IOPC 2019/0001", reviewer=ME) as store:
        import_footage(store, ab, "AB/1", ME, start="2019-07-01T23:34:55+01:00")
        import_footage(store, cd, "CD/1", ME, start="2019-07-01T23:34:57+01:00")
    return path


@pytest.fixture
def win(qtbot):
    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    yield window
    window.close()
    assert window.pool.running() == 0


def _open(qtbot, win, path):
    assert win.open_case(path)
    win.activateWindow()
    qtbot.waitUntil(lambda: win.player.duration_ms() > 0 and win.player.current_frame_index() == 0)


def _marks(path):
    with CaseStore.open(path, readonly=True) as store:
        return store.annotations()


def _ref_of(win, ann):
    return win.session.core.exhibits[ann.exhibit_id].ref


def test_words_typed_then_ctrl_q_are_saved(qtbot, win, two_camera_case):
    _open(qtbot, win, two_camera_case)
    qtbot.keyClick(win.player, Qt.Key.Key_5)
    assert QApplication.focusWidget() is win.editor.text
    qtbot.keyClicks(win.editor.text, "Keep the noise down")
    qtbot.keyClick(win.editor.text, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: not win.isVisible())
    [ann] = _marks(two_camera_case)
    assert ann.text == "Keep the noise down"
    assert ann.category_id == CaseStore.open(two_camera_case, readonly=True).category("advice").id


def test_set_to_current_position_only_for_the_exhibit_on_screen(qtbot, win, two_camera_case):
    _open(qtbot, win, two_camera_case)
    core = win.session.core
    win.player.seek(1200)
    qtbot.waitUntil(lambda: win.player.position_ms() == 1200)
    qtbot.keyClick(win.player, Qt.Key.Key_1)
    [ab_mark] = _marks(two_camera_case)
    # Open CD/1 and move: the AB/1 mark is no longer the one being edited.
    core.open_exhibit(win.session.store.exhibit("CD/1").id)
    qtbot.waitUntil(lambda: win.player.duration_ms() == 3000)
    win.player.seek(2400)
    qtbot.waitUntil(lambda: win.player.position_ms() == 2400)
    assert win.editor.annotation is None
    # Choosing the AB/1 mark in the table shows it, but its times cannot come from CD/1's picture.
    assert win.panel.select_annotation(ab_mark.id)
    assert win.editor.annotation.id == ab_mark.id
    assert not win.editor.start_now.isEnabled() and not win.editor.end_now.isEnabled()
    assert "open that exhibit" in win.editor.start_now.toolTip()
    qtbot.keyClick(win.player, Qt.Key.Key_I)
    assert "This mark is on exhibit AB/1, but CD/1 is on screen" in win.last_error
    [after] = _marks(two_camera_case)
    assert (after.start_ms, after.end_ms) == (1200, None)


def test_coverage_does_not_count_behind_a_modal_dialog(qtbot, win, two_camera_case):
    _open(qtbot, win, two_camera_case)
    player, core = win.player, win.session.core
    ab = win.session.store.exhibit("AB/1").id
    player.play()
    qtbot.waitUntil(lambda: player.position_ms() >= 1100, timeout=10_000)
    qtbot.keyClick(win.player, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)  # the export dialog
    dialog = win.export_dialog
    qtbot.waitUntil(lambda: dialog.isVisible())
    blocked_at = player.position_ms()
    qtbot.waitUntil(lambda: player.position_ms() >= blocked_at + 2500, timeout=10_000)  # plays on behind it
    behind = set(range(blocked_at // 1000 + 1, player.position_ms() // 1000))
    dialog.reject()
    qtbot.waitUntil(lambda: not dialog.isVisible())
    player.pause()
    win.session.flush_coverage()
    watched = set(win.session.store.coverage(ab, core.reviewer))
    assert 0 in watched and len(behind) >= 1
    assert not watched & behind, f"seconds {sorted(watched & behind)} counted while the export dialog covered them"


def test_watching_cameras_together_counts_and_marks(qtbot, win, two_camera_case):
    _open(qtbot, win, two_camera_case)
    store, core = win.session.store, win.session.core
    ab, cd = store.exhibit("AB/1").id, store.exhibit("CD/1").id
    view = win.multicam.watch_together()
    qtbot.waitUntil(lambda: all(p.player.duration_ms() > 0 for p in view.panes), timeout=10_000)
    view.seek_clock(view._first + 1000)  # 23:34:56: AB/1 1 s in, CD/1 not yet recording
    view.play()
    qtbot.waitUntil(lambda: view.clock_ms() >= view._first + 3600, timeout=10_000)  # CD/1 joined at 23:34:57
    view.pause()
    win.session.flush_coverage()
    assert {1, 2, 3} <= set(store.coverage(ab, core.reviewer))
    assert 0 in store.coverage(cd, core.reviewer)

    # 1-9 mark the camera whose pane has focus; the words go in the bar under the pictures.
    cd_pane = next(p for p in view.panes if p.camera.ref == "CD/1")
    cd_pane.player.setFocus()
    shown = cd_pane.player.position_ms()
    qtbot.keyClick(cd_pane.player, Qt.Key.Key_1)
    [mark] = _marks(two_camera_case)
    assert _ref_of(win, mark) == "CD/1" and mark.start_ms == shown
    assert view.words.hasFocus()
    qtbot.keyClicks(view.words, "He strangled me.")
    qtbot.keyClick(view.words, Qt.Key.Key_Return)
    assert _marks(two_camera_case)[0].text == "He strangled me."
    # With no pane focused, the camera heard is marked.
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_2)
    assert sorted(_ref_of(win, a) for a in _marks(two_camera_case)) == ["AB/1", "CD/1"]
    qtbot.keyClick(view, Qt.Key.Key_W, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: not win.multicam.open_windows)

    again = win.multicam.watch_together()
    again.activateWindow()  # a window manager would; keys go to the active window
    qtbot.waitUntil(again.isActiveWindow)
    qtbot.keyClick(again, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not win.multicam.open_windows)


def test_a_new_case_shows_nothing_of_the_old_one(qtbot, win, two_camera_case, monkeypatch, tmp_path):
    from bwv_review.ui.dialogs import case as case_dialogs

    _open(qtbot, win, two_camera_case)
    qtbot.keyClick(win.player, Qt.Key.Key_1)
    qtbot.waitUntil(lambda: win.timeline.waveform is not None and len(win.timeline.markers) == 1, timeout=10_000)
    messages = []
    win.statusBar().messageChanged.connect(messages.append)

    class Answered:
        DialogCode = case_dialogs.NewCaseDialog.DialogCode

        def __init__(self, folder, parent=None):
            self.title, self.reference = _Text("Operation Other"), _Text("")

        def exec(self):
            return self.DialogCode.Accepted

        def case_path(self):
            return tmp_path / "other.bwvcase"

    monkeypatch.setattr(case_dialogs, "NewCaseDialog", Answered)
    win.new_case()
    assert win.session.store.path == tmp_path / "other.bwvcase"
    tl = win.timeline
    assert (tl.markers, tl.waveform, tl.coverage, tl.speech_regions, tl.duration) == ([], None, {}, [], 0)
    assert win.player.duration_ms() == 0 and win.editor.annotation is None
    assert win.panel.model.rowCount() == 0 and win.session.exhibits.rowCount() == 0
    ticks = win.session._ticks
    qtbot.waitUntil(lambda: win.session._ticks >= ticks + 2, timeout=20_000)  # the file has been looked at
    assert not any("changed by" in m for m in messages)


class _Text:
    def __init__(self, text):
        self._text = text

    def text(self):
        return self._text


def test_go_to_takes_clock_time_and_refuses_what_it_cannot_use(qtbot, win, two_camera_case):
    _open(qtbot, win, two_camera_case)
    player = win.player
    goto = player.transport.goto
    qtbot.keyClick(player, Qt.Key.Key_G, Qt.KeyboardModifier.ControlModifier)
    assert goto.hasFocus()
    qtbot.keyClicks(goto, "23:35:01.2")  # AB/1 started recording at 23:34:55
    qtbot.keyClick(goto, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: player.position_ms() == 6200)
    assert player.hasFocus()  # the keys are back on the pictures
    for bad, why in (("23:35:10", "not within exhibit AB/1"), ("five past", "is not a time")):
        player.focus_goto()
        qtbot.keyClicks(goto, bad)
        with qtbot.waitSignal(player.notice, check_params_cb=lambda text, why=why: why in text):
            qtbot.keyClick(goto, Qt.Key.Key_Return)
        assert "border" in goto.styleSheet()  # marked as refused, where the reviewer is looking
    assert player.position_ms() == 6200  # never moved to an end silently
    assert goto.hasFocus()  # a refused time stays in the box to be corrected
    goto.selectAll()
    qtbot.keyClicks(goto, "00:00:02.000")
    qtbot.keyClick(goto, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: player.position_ms() == 2000)


def test_a_key_after_go_to_marks_that_moment_not_types_into_the_box(qtbot, win, two_camera_case):
    # QA: Ctrl+G, "1.2", Enter, then 1 and the words: the 1 and the words went into the go-to box
    # ("'1.21He strangled me.' is not a time") and no mark was made.
    _open(qtbot, win, two_camera_case)
    player = win.player
    qtbot.keyClick(player, Qt.Key.Key_G, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(player.transport.goto, "1.2")
    qtbot.keyClick(player.transport.goto, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: player.position_ms() == 1200)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_1)
    assert QApplication.focusWidget() is win.editor.text
    qtbot.keyClicks(win.editor.text, "He strangled me.")
    qtbot.keyClick(win.editor.text, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: len(_marks(two_camera_case)) == 1)
    [ann] = _marks(two_camera_case)
    assert (ann.start_ms, ann.text) == (1200, "He strangled me.")


def test_esc_in_the_search_box_leaves_it_without_playing(qtbot, win, two_camera_case):
    _open(qtbot, win, two_camera_case)
    qtbot.keyClick(win.player, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    search = win.panel.search
    assert search.hasFocus()
    qtbot.keyClicks(search, "noise")
    qtbot.keyClick(search, Qt.Key.Key_Escape)
    assert win.player.hasFocus() and not win.player.is_playing()
    assert search.text() == "noise"  # the search still applies


def test_mark_menu_items_say_what_each_key_marks(qtbot, win, two_camera_case):
    def labels():
        return {int(a.shortcut().toString()): a.text() for a in win.mark_menu.actions()
                if a.shortcut().toString().isdigit()}

    assert labels()[1] == "Mark category 1 here" and labels()[5] == "Mark category 5 here"
    _open(qtbot, win, two_camera_case)
    names = {int(c.key): c.name for c in win.session.store.categories() if c.key}
    assert labels() == {k: f"Mark {names[k]} here" for k in range(1, 10)}
    assert len(set(labels().values())) == 9
    win.close_case()
    assert labels()[1] == "Mark category 1 here"


def test_dropping_footage_after_closing_a_case_says_what_to_do(qtbot, win, two_camera_case, tmp_path):
    _open(qtbot, win, two_camera_case)
    win.close_case()
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(two_camera_case.parent / "AB-1.mp4"))])
    win.dropEvent(QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                             Qt.KeyboardModifier.NoModifier))
    assert win.last_error.startswith("Open or create a case before adding footage")


def test_opening_a_case_writes_nothing(qtbot, win, two_camera_case):
    win.settings.reviewer = "DC Carter"  # a second reviewer, not yet named on the case
    with CaseStore.open(two_camera_case, readonly=True) as store:
        head = store.audit_head()
    before = two_camera_case.read_bytes()
    _open(qtbot, win, two_camera_case)
    qtbot.waitUntil(lambda: win.verification == [], timeout=20_000)  # verified, nothing wrong
    win.close_case()
    with CaseStore.open(two_camera_case, readonly=True) as store:
        assert store.audit_head() == head
    assert two_camera_case.read_bytes() == before


def test_a_case_changed_behind_the_apps_back_says_so_on_open(qtbot, win, two_camera_case):
    with CaseStore.open(two_camera_case) as store:
        store.add_annotation(Annotation(exhibit_id=store.exhibit("AB/1").id, start_ms=100,
                                        category_id=store.category("disclosure").id, text="He strangled me."), ME)
    conn = sqlite3.connect(two_camera_case)
    conn.execute("UPDATE annotation SET text = 'He tangled me.'")
    conn.commit()
    conn.close()
    _open(qtbot, win, two_camera_case)
    qtbot.waitUntil(lambda: "did not pass verification" in win.last_error, timeout=10_000)
    assert "was changed outside the app (text)" in win.last_error
    assert win.banner.isVisible() and "Verification found 1 problem" in win.banner.text()


def test_replacing_an_export_is_never_the_default(qtbot, two_camera_case, tmp_path):
    from PySide6.QtCore import QTimer

    from bwv_review.ui.dialogs.export import ExportDialog

    out = tmp_path / "log.csv"
    out.write_text("an earlier export, kept", encoding="utf-8")
    with CaseStore.open(two_camera_case) as store:
        dialog = ExportDialog(store)
        qtbot.addWidget(dialog)
        dialog.format.setCurrentIndex(dialog.format.findData("csv"))
        dialog.target.setText(str(out))
        pressed = []

        def press_enter():  # the reviewer answers the question with Enter
            box = QApplication.activeModalWidget()
            pressed.append(box.windowTitle())
            qtbot.keyClick(box, Qt.Key.Key_Return)

        QTimer.singleShot(0, press_enter)
        dialog.start_export()
        assert pressed == ["Replace file?"]
        assert dialog.task is None and out.read_text(encoding="utf-8") == "an earlier export, kept"
        dialog.close()


def test_dark_theme_transport_buttons_stand_out(qapp):
    from PySide6.QtGui import QPalette

    from bwv_review.ui.player.transport import TransportBar
    from bwv_review.ui.theme import apply_theme

    def contrast(button) -> float:
        image = button.icon().pixmap(32, 32).toImage()
        ink = [image.pixelColor(x, y) for x in range(32) for y in range(32) if image.pixelColor(x, y).alpha() > 200]
        back = qapp.palette().color(QPalette.ColorRole.Button).lightnessF()
        return abs(sum(c.lightnessF() for c in ink) / len(ink) - back)

    try:
        for theme in ("dark", "light"):
            apply_theme(qapp, theme)
            bar = TransportBar()
            for button in (bar.back, bar.play, bar.forward):
                assert contrast(button) > 0.5, f"{theme}: {button.toolTip()} blends into its background"
            bar.set_playing(True)
            assert contrast(bar.play) > 0.5
            bar.deleteLater()
    finally:
        apply_theme(qapp, "system")


def test_exhibit_columns_fit_in_the_first_layout(qtbot, win, two_camera_case):
    _open(qtbot, win, two_camera_case)
    model = win.session.exhibits
    qtbot.waitUntil(lambda: len(model.thumbs) == 2, timeout=20_000)  # stills make the first column wider
    view = win.exhibits_panel.view
    qtbot.waitUntil(lambda: view.header().length() <= view.viewport().width())
    assert not view.horizontalScrollBar().isVisible()


def test_no_display_is_one_sentence_not_an_abort(tmp_path):
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    main = Path(__file__).resolve().parents[2] / "main.py"
    r = subprocess.run([sys.executable, str(main)], env=env, capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert r.returncode == 2, r.stderr
    assert r.stderr.startswith("bwv-review: there is no display") and r.stderr.count("\n") == 1
    assert f"xvfb-run -a {sys.executable} {main};" in r.stderr  # what was typed, to type again


@pytest.fixture
def format4_case(tmp_path):
    """A case written by case format 4 (before the signed audit) beside its footage."""
    import shutil

    data = Path(__file__).resolve().parents[1] / "data"
    folder = tmp_path / "old"
    folder.mkdir()
    shutil.copy(data / "format4.bwvcase", folder / "format4.bwvcase")
    shutil.copy(data / "realshort.mp4", folder / "realshort.mp4")
    return folder / "format4.bwvcase"


@pytest.mark.parametrize("answer", ["keep", "upgrade"])
def test_an_older_case_is_upgraded_only_when_the_reviewer_says_so(qtbot, win, format4_case, answer):
    from PySide6.QtCore import QTimer

    before = format4_case.read_bytes()
    asked = []

    def reply():
        box = QApplication.activeModalWidget()
        asked.append(box.windowTitle())
        if answer == "keep":
            qtbot.keyClick(box, Qt.Key.Key_Return)  # the default: open it read-only, untouched
        else:
            next(b for b in box.findChildren(QPushButton) if b.text() == "Upgrade it").click()

    QTimer.singleShot(0, reply)
    assert win.open_case(format4_case)
    assert asked == ["Upgrade this case file?"]
    if answer == "keep":
        assert win.session.readonly and win.session.store.needs_upgrade
        assert "older format" in win.banner.text() and win.banner.isVisible()
        win.close_case()
        assert format4_case.read_bytes() == before
    else:
        assert not win.session.readonly and not win.session.store.needs_upgrade
        assert (format4_case.parent / "format4.bwvcase.format4.bak").exists()


def test_a_case_holding_a_record_no_app_writes_is_refused_in_a_sentence(qtbot, win, two_camera_case):
    # QA: a time stored as text (sqlite3) made opening the case fail with a TypeError in the log
    # and a window showing nothing useful; now one sentence, and the start page stays.
    with CaseStore.open(two_camera_case) as store:
        ex, cat = store.exhibit("AB/1"), store.category("disclosure")
        store.add_annotation(Annotation(exhibit_id=ex.id, category_id=cat.id, start_ms=400, text="x"), ME)
        store.add_annotation(Annotation(exhibit_id=ex.id, category_id=cat.id, start_ms=800, text="y"), ME)
    db = sqlite3.connect(two_camera_case)
    db.execute("UPDATE annotation SET start_ms = 'soon' WHERE id = 1")
    db.commit()
    db.close()
    assert not win.open_case(two_camera_case)
    assert "changed outside the app (start_ms)" in win.last_error
    assert win.session is None


def test_a_quote_verification_cannot_vouch_for_is_untrusted_in_the_table_not_verified(qtbot, win, two_camera_case):
    # QA: a verified quote edited with sqlite3 showed in the marks table as "verified", in bold, with
    # the altered words; only a banner above the pictures said something was wrong. Every export
    # marks it UNTRUSTED; so does the table now.
    with CaseStore.open(two_camera_case) as store:
        ex, cat = store.exhibit("AB/1"), store.category("disclosure")
        for start, words in ((100, "He strangled me."), (900, "Keep the noise down.")):
            store.add_annotation(Annotation(exhibit_id=ex.id, start_ms=start, category_id=cat.id, text=words,
                                            status="verified"), ME)
    conn = sqlite3.connect(two_camera_case)
    conn.execute("UPDATE annotation SET text = 'He tangled me.' WHERE id = 1")
    conn.commit()
    conn.close()
    _open(qtbot, win, two_camera_case)
    model = win.session.annotations
    status = {model.data(model.index(r, 0), AnnotationRole).id: model.index(r, COL_STATUS)
              for r in range(model.rowCount())}
    qtbot.waitUntil(lambda: model.data(status[1]) == "UNTRUSTED", timeout=20_000)
    assert model.data(status[2]) == "verified"  # the other quote's record matches its signed log
    # ...and the word is shown whole, not "UNTRUS…": the column fits it in the table's bold font
    table = win.panel.table
    bold = QFont(table.font())
    bold.setBold(True)
    assert table.columnWidth(COL_STATUS) >= QFontMetrics(bold).horizontalAdvance("UNTRUSTED") + 8
