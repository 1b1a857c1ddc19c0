"""Watch together: at one clock instant each camera shows its own frame for that instant.

Every test clip carries its frame index in its pixels, so each check reads the picture the
view is painting. AB/1 runs 3 s; CD/1 runs 3 s and starts 1 s after AB/1 (25 frames).
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtGui import QImage

from bwv_review.core.evidence import import_footage
from bwv_review.core.store import CaseStore
from bwv_review.core.timecode import parse_instant
from bwv_review.ui.synced import NO_FOOTAGE, SyncedView, open_synced_view
from tests.footage import read_index, write_clip

pytestmark = pytest.mark.gui

AB_START = "2019-07-01T23:34:55.000+01:00"
CD_START = "2019-07-01T23:34:56.000+01:00"


@pytest.fixture(scope="module")
def clips(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("synced")
    return {
        "AB/1": write_clip(folder / "ab.mp4", frames=75, fps=25, gop=25),
        "CD/1": write_clip(folder / "cd.mp4", frames=75, fps=25, gop=25, size=(352, 240)),
        "EF/1": write_clip(folder / "ef.mp4", frames=10, fps=25),
    }


@pytest.fixture
def store(tmp_path, clips):
    with CaseStore.create(tmp_path / "sync.bwvcase", "Operation Sync", "", "Test Reviewer") as store:
        import_footage(store, clips["AB/1"], "AB/1", "Test Reviewer", wearer="PC Able", start=AB_START)
        import_footage(store, clips["CD/1"], "CD/1", "Test Reviewer", wearer="PC Cole", start=CD_START)
        import_footage(store, clips["EF/1"], "EF/1", "Test Reviewer")  # no start: cannot join
        yield store


@pytest.fixture
def view(qtbot, store):
    view = SyncedView(store)
    qtbot.addWidget(view)
    view.show()
    yield view
    view.shutdown()


def shown_index(pane) -> int | None:
    image = pane.player.displayed_image()
    if image is None:
        return None
    image = image.convertToFormat(QImage.Format.Format_RGB888)
    h, w, bpl = image.height(), image.width(), image.bytesPerLine()
    data = np.frombuffer(image.constBits(), np.uint8, count=bpl * h).reshape(h, bpl)
    return read_index(data[:, : w * 3].reshape(h, w, 3))


def at(offset_ms: int):
    return parse_instant(AB_START) + timedelta(milliseconds=offset_ms)


def panes(view):
    return {p.camera.ref: p for p in view.panes}


def test_cameras_without_a_start_cannot_join_and_say_why(view):
    assert list(panes(view)) == ["AB/1", "CD/1"]
    assert "EF/1 cannot join: its recording start is not known" in view.refused_label.text()
    assert view.sound_box.currentText() == "AB/1"
    ab, cd = panes(view)["AB/1"], panes(view)["CD/1"]
    assert "sound from this camera" in ab.title.text() and "muted" in cd.title.text()


def test_each_view_shows_its_frame_for_the_shared_instant(qtbot, view):
    ab, cd = panes(view)["AB/1"], panes(view)["CD/1"]
    for offset, want_ab, want_cd in [(500, 12, None), (1500, 37, 12), (2980, 74, 49), (3100, None, 52), (1020, 25, 0)]:
        view.seek_to(at(offset))
        for pane, want in ((ab, want_ab), (cd, want_cd)):
            if want is None:
                qtbot.waitUntil(lambda p=pane: p.player.view._message == NO_FOOTAGE and shown_index(p) is None,
                                timeout=5000)
            else:
                qtbot.waitUntil(lambda p=pane, w=want: shown_index(p) == w, timeout=5000)
    assert view.clock_label.text() == "23:34:56.020 BST"
    # Outside, the hint says when that camera's footage begins.
    view.seek_to(at(200))
    qtbot.waitUntil(lambda: cd.outside, timeout=5000)
    assert cd.player.view._hint == "CD/1 starts at 23:34:56.000"


def test_playing_keeps_the_cameras_in_step(qtbot, view):
    ab, cd = panes(view)["AB/1"], panes(view)["CD/1"]
    view.seek_to(at(600))
    qtbot.waitUntil(lambda: shown_index(ab) == 15 and cd.outside, timeout=5000)
    view.set_speed(2.0)
    view.play()
    # CD/1 has no footage until 1 s in; it joins, playing, when the clock gets there.
    qtbot.waitUntil(lambda: cd.player.is_playing() and shown_index(cd) is not None, timeout=10000)
    assert ab.player.is_playing() and view.is_playing()
    view.pause()
    assert not ab.player.is_playing() and not cd.player.is_playing()
    # Paused, both settle on the frame for the same instant: CD/1 is 25 frames behind.
    qtbot.waitUntil(lambda: shown_index(ab) is not None and shown_index(cd) is not None
                    and shown_index(ab) - shown_index(cd) == 25, timeout=5000)
    # ... and the clock shown is the heard camera's frame start (what its caption says).
    assert (view.clock_ms() - ab.camera.start_ms) == pytest.approx(shown_index(ab) * 40, abs=0.01)
    # A follower that has drifted is brought back within a frame.
    view.play()
    qtbot.waitUntil(lambda: cd.player.is_playing(), timeout=5000)
    cd.player.seek(0)
    qtbot.waitUntil(lambda: abs(cd.player.clock_ms() - (view.clock_ms() - cd.camera.start_ms)) <= 40
                    and shown_index(cd) > 1, timeout=5000)
    view.pause()


def test_keys_step_and_skip_on_the_shared_clock(qtbot, view):
    ab, cd = panes(view)["AB/1"], panes(view)["CD/1"]
    view.seek_to(at(1500))
    qtbot.waitUntil(lambda: shown_index(cd) == 12, timeout=5000)
    view.step(1)
    qtbot.waitUntil(lambda: (shown_index(ab), shown_index(cd)) == (38, 13), timeout=5000)
    view.skip(-1000)
    qtbot.waitUntil(lambda: shown_index(ab) == 13 and cd.outside, timeout=5000)


def test_plays_to_the_end_and_stops(qtbot, view):
    view.seek_to(at(3900))
    view.set_speed(4.0)
    view.play()
    qtbot.waitUntil(lambda: not view.is_playing(), timeout=5000)
    cd = panes(view)["CD/1"]
    assert panes(view)["AB/1"].outside
    qtbot.waitUntil(lambda: shown_index(cd) == 74, timeout=5000)


def test_choosing_cameras_and_sound(qtbot, view):
    view._boxes["CD/1"].setChecked(False)
    assert list(panes(view)) == ["AB/1"]
    view._boxes["CD/1"].setChecked(True)
    view.sound_box.setCurrentText("CD/1")
    assert view.sound_pane().camera.ref == "CD/1"


def test_closing_joins_every_thread(qtbot, store):
    view = open_synced_view(None, store)
    qtbot.addWidget(view)
    threads = [p.player._decoder.thread for p in view.panes]
    qtbot.waitUntil(lambda: all(shown_index(p) is not None or p.outside for p in view.panes), timeout=5000)
    view.close()
    assert threads and all(t.isFinished() and not t.isRunning() for t in threads)


def test_up_to_four_cameras_in_a_grid(qtbot, tmp_path, clips):
    with CaseStore.create(tmp_path / "four.bwvcase", "Four", "", "Test Reviewer") as store:
        for i in range(5):
            target = tmp_path / f"cam{i}.mp4"
            write_clip(target, frames=20 + i, fps=25)
            import_footage(store, target, f"C{i}/1", "Test Reviewer", start=AB_START)
        view = SyncedView(store)
        qtbot.addWidget(view)
        view.show()
        try:
            assert [p.camera.ref for p in view.panes] == ["C0/1", "C1/1", "C2/1", "C3/1"]
            spots = {view._grid.getItemPosition(view._grid.indexOf(p))[:2] for p in view.panes}
            assert spots == {(0, 0), (0, 1), (1, 0), (1, 1)}
            view._boxes["C4/1"].setChecked(True)  # a fifth is refused: too small to watch
            assert not view._boxes["C4/1"].isChecked() and len(view.panes) == 4
            view.seek_to(at(400))
            qtbot.waitUntil(lambda: all(shown_index(p) == 10 for p in view.panes), timeout=5000)
        finally:
            view.shutdown()
