"""The alignment dialog on a generated pair at a known offset: it finds the offset, both
pictures show the same clock instant, nudges move it, Apply stores it (audited), and a pair
with no shared sound is said to be one instead of guessed at."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest
from PySide6.QtGui import QImage

from bwv_review.core.evidence import import_footage
from bwv_review.core.store import CaseStore
from bwv_review.core.timecode import parse_instant
from bwv_review.ui.dialogs.align import NO_FOOTAGE, AlignDialog
from tests.footage import draw_frame, read_index

pytestmark = pytest.mark.gui

RATE = 16000
SHIFT_MS = 2200  # CD/1's first frame is AB/1's 2.2 s: CD/1 starts 2.2 s after AB/1
SECONDS = 16
AB_START = "2019-07-01T23:34:55.000+01:00"


def bursts(seconds: float, seed: int) -> np.ndarray:
    """Knocks and bursts of noise at irregular times: sound two cameras in one room share."""
    rng = np.random.default_rng(seed)
    n = int(seconds * RATE)
    x = 0.002 * rng.standard_normal(n)
    at = 0.2
    while at < seconds - 0.5:
        length = int(rng.uniform(0.05, 0.4) * RATE)
        start = int(at * RATE)
        x[start:start + length] += rng.uniform(0.1, 0.5) * rng.standard_normal(length) * np.exp(
            -np.arange(length) / (length / 3))
        at += rng.uniform(0.2, 1.2)
    return x.astype(np.float32)


def write_camera(path: Path, sound: np.ndarray, noise_seed: int) -> Path:
    """Frames numbered from 0 (readable with read_index) at 25 fps, with ``sound``."""
    sound = sound + 0.003 * np.random.default_rng(noise_seed).standard_normal(len(sound)).astype(np.float32)
    container = av.open(str(path), "w")
    video = container.add_stream("libx264", rate=Fraction(25))
    video.width, video.height, video.pix_fmt = 128, 96, "yuv420p"
    video.options = {"g": "25"}
    audio = container.add_stream("pcm_s16le", rate=RATE)
    audio.layout = "mono"
    for i in range(int(len(sound) / RATE * 25)):
        frame = av.VideoFrame.from_ndarray(draw_frame(i, 128, 96), format="rgb24")
        frame.pts, frame.time_base = i, Fraction(1, 25)
        for packet in video.encode(frame):
            container.mux(packet)
    for packet in video.encode():
        container.mux(packet)
    for start in range(0, len(sound), 1024):
        block = (np.clip(sound[start:start + 1024], -1, 1) * 32767).astype(np.int16)[None, :]
        frame = av.AudioFrame.from_ndarray(block, format="s16", layout="mono")
        frame.sample_rate, frame.pts = RATE, start
        for packet in audio.encode(frame):
            container.mux(packet)
    for packet in audio.encode():
        container.mux(packet)
    container.close()
    return path


@pytest.fixture(scope="module")
def pair(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("align-dialog")
    scene = bursts(SECONDS + SHIFT_MS / 1000 + 1, seed=5)
    cut = int(SHIFT_MS * RATE / 1000)
    return {
        "AB/1": write_camera(folder / "ab.mkv", scene[: SECONDS * RATE], 1),
        "CD/1": write_camera(folder / "cd.mkv", 0.5 * scene[cut: cut + SECONDS * RATE], 2),
        "XY/1": write_camera(folder / "xy.mkv", bursts(SECONDS, seed=99), 3),
    }


@pytest.fixture
def store(tmp_path, pair):
    with CaseStore.create(tmp_path / "align.bwvcase", "Operation Align", "", "Test Reviewer") as store:
        import_footage(store, pair["AB/1"], "AB/1", "Test Reviewer", start=AB_START)
        import_footage(store, pair["CD/1"], "CD/1", "Test Reviewer")
        import_footage(store, pair["XY/1"], "XY/1", "Test Reviewer")
        yield store


@pytest.fixture
def dialogs(qtbot):
    made = []

    def make(*args, **kwargs):
        dialog = AlignDialog(*args, **kwargs)
        qtbot.addWidget(dialog)
        dialog.show()
        made.append(dialog)
        return dialog

    yield make
    for dialog in made:
        dialog.shutdown()
        assert not dialog.is_busy()
        # a player that never showed footage made no decode thread; any it made has ended
        assert all(p._decode_thread is None or p._decode_thread.thread.isFinished() for p in dialog.players)


def shown_index(player) -> int | None:
    image = player.displayed_image()
    if image is None:
        return None
    image = image.convertToFormat(QImage.Format.Format_RGB888)
    h, w, bpl = image.height(), image.width(), image.bytesPerLine()
    data = np.frombuffer(image.constBits(), np.uint8, count=bpl * h).reshape(h, bpl)
    return read_index(data[:, : w * 3].reshape(h, w, 3))


def frames_at(qtbot, dialog, look_ms: float) -> None:
    """Both pictures at one instant: the reference's frame for look_ms, CD/1's for look_ms - offset."""
    dialog.look_at(look_ms)
    want = (int(look_ms // 40), int((look_ms - dialog.offset_ms) // 40))
    qtbot.waitUntil(lambda: (shown_index(dialog.players[0]), shown_index(dialog.players[1])) == want, timeout=5000)


def test_finds_the_offset_shows_one_instant_nudges_and_applies(qtbot, store, dialogs):
    dialog = dialogs(None, store, actor="DC Example")
    assert (dialog.exhibit_box.currentText(), dialog.reference_box.currentText()) == ("CD/1", "AB/1")
    assert sorted(dialog.reference_box.itemText(i) for i in range(dialog.reference_box.count())) == ["AB/1"]
    qtbot.waitUntil(lambda: dialog.found is not None, timeout=60000)
    assert abs(dialog.offset_ms - SHIFT_MS) <= 40  # within one frame
    assert "Proposed: CD/1 starts +00:00:02." in dialog.status.text() and "confidence" in dialog.status.text()
    assert dialog.waves.top is not None and dialog.waves.bottom is not None
    frames_at(qtbot, dialog, 5020.0)
    # Before CD/1 began there is nothing to show on it.
    dialog.look_at(1000.0)
    qtbot.waitUntil(lambda: shown_index(dialog.players[0]) == 25, timeout=5000)
    assert dialog.players[1].view._message == NO_FOOTAGE and dialog.players[1].displayed_image() is None
    # One frame later, and 100 ms earlier: the picture below moves, the one above stays.
    found = dialog.offset_ms
    dialog.look_at(8000.0)
    dialog.nudge_buttons[3].click()  # +1 frame
    assert dialog.offset_ms == pytest.approx(found + 40)
    assert "nudged +00:00:00.040" in dialog.offset_label.text()
    frames_at(qtbot, dialog, 8000.0)
    dialog.nudge_buttons[1].click()  # -100 ms
    frames_at(qtbot, dialog, 8000.0)
    with qtbot.waitSignal(dialog.applied) as stored:
        dialog.apply_button.click()
    assert stored.args == ["CD/1"]
    cd = store.exhibit("CD/1")
    start_ms = (parse_instant(cd.recording_start) - parse_instant(AB_START)).total_seconds() * 1000
    assert start_ms == pytest.approx(found - 60, abs=0.5) and cd.start_source == "aligned:AB/1"
    row = store.audit_rows()[-1]
    assert row["action"] == "exhibit.align" and row["actor"] == "DC Example"


def test_no_shared_sound_is_said_and_lined_up_by_hand_from_zero(qtbot, store, dialogs):
    dialog = dialogs(None, store, exhibit="XY/1", reference="AB/1", actor="DC Example")
    qtbot.waitUntil(lambda: not dialog.is_busy(), timeout=60000)
    assert dialog.found is None and dialog.offset_ms == 0
    assert "do not share enough sound" in dialog.status.text() and "Starting from 0" in dialog.status.text()
    for _ in range(2):
        dialog.nudge_buttons[5].click()  # +1 s
    assert "lined up by hand" in dialog.offset_label.text()
    frames_at(qtbot, dialog, 3000.0)
    dialog.apply()
    xy = store.exhibit("XY/1")
    assert (parse_instant(xy.recording_start) - parse_instant(AB_START)).total_seconds() == 2.0
    assert xy.start_source == "offset:AB/1"
    assert store.audit_rows()[-1]["action"] == "exhibit.start"


def test_cancel_leaves_nothing_running_or_stored(qtbot, store, dialogs):
    dialog = dialogs(None, store)
    assert dialog.is_busy()
    dialog.cancel_button.click()
    qtbot.waitUntil(lambda: not dialog.is_busy(), timeout=30000)
    assert dialog.found is None
    assert store.exhibit("CD/1").recording_start is None


def test_without_a_reference_start_it_says_what_to_do(qtbot, tmp_path, pair, dialogs):
    with CaseStore.create(tmp_path / "bare.bwvcase", "Bare", "", "Test Reviewer") as store:
        import_footage(store, pair["CD/1"], "CD/1", "Test Reviewer")
        dialog = dialogs(None, store)
        assert "whose recording start is known" in dialog.status.text()
        assert not dialog.find_button.isEnabled() and not dialog.apply_button.isEnabled()
