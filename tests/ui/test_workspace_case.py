"""Opening cases (good, read-only, broken), footage checks, adding, relinking, settings."""

from __future__ import annotations

import sys
import time

import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent

from bwv_review.core.store import CaseStore
from bwv_review.ui import footage_flow, launch
from bwv_review.ui.dialogs.keyboard_sheet import sheet_html
from bwv_review.ui.dialogs.settings import SettingsDialog
from bwv_review.ui.keyboard import BINDINGS
from bwv_review.ui.main_window import MainWindow
from bwv_review.ui.settings import Settings
from tests.footage import write_clip

pytestmark = pytest.mark.gui


@pytest.fixture
def bare_window(qtbot):
    win = MainWindow()
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    win.activateWindow()  # window-wide shortcuts need the active window
    yield win
    win.close()
    assert win.pool.running() == 0


def _open(qtbot, win, path, **kwargs):
    assert win.open_case(path, **kwargs)
    win.activateWindow()
    qtbot.waitUntil(lambda: win.player.duration_ms() > 0 and win.player.current_frame_index() == 0)


def test_start_page_and_recent_cases(qtbot, bare_window, review_case):
    win = bare_window
    assert win.stack.currentWidget() is win.start_page
    assert not win.marks_dock.isVisible()
    _open(qtbot, win, review_case)
    assert "Operation Example (IOPC 2019/0001)" in win.windowTitle()
    win.close_case()
    assert win.stack.currentWidget() is win.start_page
    assert win.start_page.recent.count() == 1
    assert win.start_page.recent.item(0).data(Qt.ItemDataRole.UserRole) == str(review_case.resolve())


def test_sample_button_opens_the_sample_case(qtbot, bare_window):
    bare_window.start_page.sample.click()
    qtbot.waitUntil(lambda: bare_window.session is not None, timeout=30000)
    assert bare_window.stack.currentIndex() == 1
    assert bare_window.session.exhibits.rowCount() >= 1
    assert bare_window.last_error == ""


def test_sample_problem_is_a_sentence(bare_window, monkeypatch):
    from bwv_review.core.errors import ReviewError
    from bwv_review.ui import sample

    def broken():
        raise ReviewError("The sample footage is missing from this installation.")

    monkeypatch.setattr(sample, "open_sample", broken)
    bare_window.start_page.sample.click()
    assert bare_window.last_error == "The sample footage is missing from this installation."


def test_broken_case_file_is_a_sentence_not_a_traceback(bare_window, tmp_path):
    bad = tmp_path / "bad.bwvcase"
    bad.write_bytes(b"not a case file at all")
    assert not bare_window.open_case(bad)
    assert "is not a bwv-review case file" in bare_window.last_error
    assert bad.read_bytes() == b"not a case file at all"
    assert bare_window.stack.currentWidget() is bare_window.start_page


def test_read_only_case_shows_banner_and_refuses_marks(qtbot, bare_window, review_case):
    _open(qtbot, bare_window, review_case, readonly=True)
    assert bare_window.banner.isVisible() and "Read-only" in bare_window.banner.text()
    qtbot.keyClick(bare_window.player, Qt.Key.Key_1)
    assert "read-only" in bare_window.last_error
    with CaseStore.open(review_case, readonly=True) as store:
        assert store.annotations() == []


def test_footage_checked_and_still_decoded_on_open(qtbot, bare_window, review_case):
    _open(qtbot, bare_window, review_case)
    model = bare_window.session.exhibits
    ex = model.exhibits[0]
    qtbot.waitUntil(lambda: model.status.get(ex.id) == "verified" and ex.id in model.thumbs)
    row = [model.index(0, col).data() for col in range(model.columnCount())]
    assert row == ["AB/1", "verified", "0%", "PC Able", "00:00:02", "2019-07-01 23:34:55"]


def test_exhibits_model_passes_qtmodeltester(qtbot, qtmodeltester, bare_window, review_case):
    _open(qtbot, bare_window, review_case)
    qtmodeltester.check(bare_window.session.exhibits)


def test_missing_footage_then_relinked_by_hash(qtbot, bare_window, review_case, footage_copy, clip, tmp_path):
    moved = tmp_path / "elsewhere" / "renamed.mp4"
    moved.parent.mkdir()
    footage_copy.rename(moved)
    assert bare_window.open_case(review_case)
    model = bare_window.session.exhibits
    ex = model.exhibits[0]
    qtbot.waitUntil(lambda: model.status.get(ex.id) == "missing")
    assert "Footage for exhibit AB/1 is missing" in bare_window.last_error
    assert bare_window.player.duration_ms() == 0  # nothing loaded, no second error from the player

    wrong = write_clip(tmp_path / "other.mp4", frames=10)
    bare_window.flow.relink(ex, wrong)
    qtbot.waitUntil(lambda: "is not the footage of exhibit AB/1" in bare_window.last_error)

    bare_window.flow.relink(ex, moved)
    qtbot.waitUntil(lambda: model.status.get(ex.id) == "verified")
    with CaseStore.open(review_case, readonly=True) as store:
        assert store.footage_path(store.exhibit("AB/1")).resolve() == moved.resolve()
        assert store.audit_rows()[-1]["action"] == "exhibit.relink"


class _Accepting:
    """Stands in for the Add footage dialog: the reviewer typed these and pressed OK."""

    def __init__(self, path, suggested, parent=None):
        self.suggested = suggested

    def exec(self):
        return footage_flow.QDialog.DialogCode.Accepted

    def values(self):
        return {"ref": "CD/1", "wearer": "PC Baker", "device": "", "start": "2019-07-01T23:35:10+01:00"}


def test_add_footage_hashes_in_a_worker(qtbot, bare_window, review_case, monkeypatch, tmp_path):
    monkeypatch.setattr(footage_flow, "AddFootageDialog", _Accepting)
    _open(qtbot, bare_window, review_case)
    second = write_clip(tmp_path / "case" / "CD-1.mp4", frames=30, audio=True)
    bare_window.flow.add_file(second)
    model = bare_window.session.exhibits
    qtbot.waitUntil(lambda: model.rowCount() == 2, timeout=10000)
    qtbot.waitUntil(lambda: bare_window.pool.running() == 0, timeout=10000)
    with CaseStore.open(review_case, readonly=True) as store:
        cd = store.exhibit("CD/1")
        assert cd.wearer == "PC Baker" and cd.added_by == "Test Reviewer"


def test_add_footage_can_be_cancelled(qtbot, bare_window, review_case, monkeypatch, tmp_path):
    monkeypatch.setattr(footage_flow, "AddFootageDialog", _Accepting)

    def slow_add(store, path, ref, actor, progress, cancel, **values):
        done = 0
        while True:  # a hash that only stops when cancelled
            done += 1
            progress(done * 1024, 10**9)
            time.sleep(0.001)
            if cancel():
                from bwv_review.core.errors import Cancelled

                raise Cancelled("Hashing was cancelled.")

    monkeypatch.setattr(footage_flow, "add_footage", slow_add)
    _open(qtbot, bare_window, review_case)
    messages, errors = [], []
    bare_window.pool.cancelled.connect(messages.append)
    bare_window.pool.failed.connect(errors.append)
    task = bare_window.flow.add_file(write_clip(tmp_path / "case" / "CD-1.mp4", frames=10))
    dialog = task.dialog
    qtbot.waitUntil(lambda: dialog.maximum() > 1 or bool(errors))
    assert not errors
    from PySide6.QtWidgets import QPushButton

    dialog.findChild(QPushButton).click()  # the dialog's Cancel button
    qtbot.waitUntil(lambda: bare_window.pool.running() == 0)
    assert any("Cancelled" in m for m in messages)
    assert bare_window.session.exhibits.rowCount() == 1


def test_dropping_footage_adds_it(qtbot, bare_window, review_case, monkeypatch, tmp_path):
    _open(qtbot, bare_window, review_case)
    dropped = []
    monkeypatch.setattr(bare_window.flow, "add_files", dropped.extend)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(tmp_path / "CD-1.mp4"))])
    event = QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                       Qt.KeyboardModifier.NoModifier)
    bare_window.dropEvent(event)
    assert [p.name for p in dropped] == ["CD-1.mp4"]


def test_speech_keys_walk_regions(qtbot, bare_window, review_case):
    _open(qtbot, bare_window, review_case)
    player = bare_window.player
    # The sound is read in the background and brings its own regions: wait for it, so it
    # cannot replace the ones set here while the keys are pressed.
    qtbot.waitUntil(lambda: bare_window.timeline.waveform is not None, timeout=20_000)
    bare_window.timeline.set_speech_regions([(400, 800), (1200, 1600)])
    for key, at in ((Qt.Key.Key_N, 400), (Qt.Key.Key_N, 1200), (Qt.Key.Key_P, 400)):
        qtbot.keyClick(player, key)
        qtbot.waitUntil(lambda at=at: player.position_ms() == at)


def test_settings_saved_and_layout_remembered(qtbot, review_case):
    dialog = SettingsDialog(Settings())
    qtbot.addWidget(dialog)
    dialog.reviewer.setText("DC Carter")
    dialog.lag.setValue(450)
    dialog.rewind.setValue(2.0)
    dialog.accept()
    settings = Settings()
    assert (settings.reviewer, settings.reaction_lag_ms, settings.rewind_on_pause_s) == ("DC Carter", 450, 2.0)

    win = MainWindow()
    qtbot.addWidget(win)
    win.show()
    assert win.player.rewind_on_pause_ms == 2000
    _open(qtbot, win, review_case)
    win.editor_dock.close()  # this reviewer works without the editor panel
    win.close()
    geometry, state = Settings().window_state()
    assert geometry is not None and state is not None
    again = MainWindow()
    qtbot.addWidget(again)
    again.show()
    _open(qtbot, again, review_case)
    assert again.marks_dock.isVisible() and not again.editor_dock.isVisible()
    again.close()


def test_keyboard_sheet_lists_every_binding():
    html = sheet_html()
    for b in BINDINGS:
        if b.name != "mark":
            assert b.label in html


def test_launch_arguments_and_excepthook(qtbot, monkeypatch):
    args = launch.parse_args(["case.bwvcase"])
    assert args.case == "case.bwvcase" and not args.sample
    assert launch.parse_args(["--sample"]).sample
    from PySide6.QtWidgets import QApplication

    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    launch.install_excepthook(QApplication.instance())
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        sys.excepthook(*sys.exc_info())
    [box] = sys.excepthook.boxes
    assert "boom" in box.text.text() and "safe in the case file" in box.text.text()
    box.close()


def test_ctrl_e_calls_the_export_hook(qtbot, bare_window, review_case, monkeypatch):
    from bwv_review.ui import export_hook

    calls = []
    monkeypatch.setattr(export_hook, "run_export", lambda parent, store, **_kw: calls.append(store.path))
    _open(qtbot, bare_window, review_case)
    qtbot.keyClick(bare_window.player, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    assert calls == [review_case]


def test_reviewer_name_asked_once_and_recorded(qtbot, bare_window, review_case, monkeypatch):
    from bwv_review.ui import main_window

    monkeypatch.delenv("BWV_REVIEWER")
    asked = []

    def answer(*args, **kwargs):
        asked.append(args[1])
        return "DC Carter", True

    monkeypatch.setattr(main_window.QInputDialog, "getText", answer)
    _open(qtbot, bare_window, review_case)
    bare_window.close_case()
    _open(qtbot, bare_window, review_case)
    assert asked == ["Who is reviewing?"]
    assert Settings().reviewer == "DC Carter"
    assert "DC Carter" not in bare_window.session.store.case().reviewers  # opening writes nothing
    qtbot.keyClick(bare_window.player, Qt.Key.Key_1)
    assert bare_window.session.store.annotations()[0].reviewer == "DC Carter"
    assert "DC Carter" in bare_window.session.store.case().reviewers  # named with the first change


def test_reopening_cases_leaves_no_stale_connections(qtbot, bare_window, review_case):
    from PySide6.QtCore import SIGNAL

    player, timeline = bare_window.player, bare_window.timeline
    _open(qtbot, bare_window, review_case)
    counts = (player.receivers(SIGNAL("watched(int,int,double)")), timeline.receivers(SIGNAL("seekRequested(int)")))
    for _ in range(3):
        bare_window.close_case()
        _open(qtbot, bare_window, review_case)
    assert (player.receivers(SIGNAL("watched(int,int,double)")),
            timeline.receivers(SIGNAL("seekRequested(int)"))) == counts
    seeks = []
    bare_window.player.positionChanged.connect(seeks.append)
    bare_window.timeline.seekRequested.emit(1000)
    qtbot.waitUntil(lambda: bare_window.player.position_ms() == 1000)
    bare_window.player.play()
    qtbot.waitUntil(lambda: bare_window.player.position_ms() > 1500)
    bare_window.player.pause()
    bare_window.session.flush_coverage()  # only the open session records, into the open store
    assert bare_window.session.store.coverage(bare_window.session.exhibit.id)


def test_theme_sets_a_palette_even_without_platform_support(qapp):
    from PySide6.QtGui import QPalette

    from bwv_review.ui.theme import apply_theme

    try:
        apply_theme(qapp, "dark")
        assert qapp.palette().color(QPalette.ColorRole.Window).lightness() < 80
        apply_theme(qapp, "light")
        assert qapp.palette().color(QPalette.ColorRole.Window).lightness() > 180
    finally:
        apply_theme(qapp, "system")
