"""The real program in a real X window, driven by real key presses (xdotool).

`bwv-review gui CASE` under Xvfb; Space, wait, Space, 1, Ctrl+Q must leave exactly one
disclosure mark at the position where playback was paused; 5, words typed, Ctrl+Q must
leave those words in the case file. Skips where Xvfb or xdotool is not installed (CI
installs both).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bwv_review.core.evidence import import_footage
from bwv_review.core.store import CaseStore
from tests.footage import write_clip

pytestmark = [pytest.mark.gui, pytest.mark.slow]
NEEDED = ("Xvfb", "xdotool")


def _until(predicate, timeout: float, what: str, report=None):
    """Poll an outside process's state (there is no Qt event loop in this test to wait on)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}" + (f"\n{report()}" if report else ""))


@pytest.fixture
def xserver():
    """A private Xvfb on a display number it chose itself (-displayfd): other programs on the
    machine start and stop X servers too, and a number picked by looking for a free one races."""
    missing = [tool for tool in NEEDED if shutil.which(tool) is None]
    if missing:
        pytest.skip(f"needs {', '.join(missing)}")
    read, write = os.pipe()
    proc = subprocess.Popen(["Xvfb", "-displayfd", str(write), "-screen", "0", "1600x1000x24", "-nolisten", "tcp"],
                            pass_fds=(write,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(write)
    try:
        with os.fdopen(read, "rb") as said:
            number = said.readline().strip().decode()  # written once it is ready; empty if it failed
        assert number.isdigit(), "Xvfb did not start"
        yield f":{number}"
    finally:
        proc.terminate()
        proc.wait(10)


def _bwv_review() -> list[str]:
    script = Path(sys.executable).with_name("bwv-review")
    return [str(script)] if script.exists() else [sys.executable, "-m", "bwv_review.app"]


class App:
    """`bwv-review gui CASE` under Xvfb, with its log and output, and xdotool to drive it."""

    def __init__(self, xserver: str, tmp_path: Path, user_home: Path):
        (tmp_path / "case").mkdir()
        clip = write_clip(tmp_path / "case" / "AB-1.mp4", frames=250, fps=25, audio=True)
        self.case_path = tmp_path / "case" / "Operation Example.bwvcase"
        with CaseStore.create(self.case_path, "Operation Example", "IOPC 2019/0001", reviewer="X Reviewer") as store:
            import_footage(store, clip, "AB/1", "X Reviewer", start="2019-07-01T23:34:55+01:00")
        config = user_home / "config"
        config.mkdir(parents=True)
        (config / "bwv-review.ini").write_text(
            "[reviewer]\nname=X Reviewer\n[review]\nrewind_on_pause_s=0\nreaction_lag_ms=300\n", encoding="utf-8")
        self.env = {**os.environ, "DISPLAY": xserver, "QT_QPA_PLATFORM": "xcb", "BWV_REVIEW_HOME": str(user_home)}
        self.log_file = user_home / "log" / "bwv-review.log"
        self.output = tmp_path / "app-output.txt"
        self.out = self.output.open("wb")
        self.proc = subprocess.Popen([*_bwv_review(), "gui", str(self.case_path)], env=self.env, stdout=self.out,
                                     stderr=subprocess.STDOUT)

    def xdo(self, *args) -> str:
        return subprocess.run(["xdotool", *args], env=self.env, capture_output=True, text=True, timeout=10).stdout

    def log(self) -> str:
        return self.log_file.read_text("utf-8") if self.log_file.exists() else ""

    def report(self) -> str:
        self.out.flush()
        return self.output.read_text("utf-8", "replace") + "\n--- log ---\n" + (self.log() or "(no log)")

    def window(self) -> str:
        """Wait for the window and its first frame; focus it (no window manager: windowfocus)."""
        # --onlyvisible: Qt also owns unmapped helper windows with the app's name.
        wid = _until(lambda: self.xdo("search", "--onlyvisible", "--name", "bwv-review").split(), 30, "the window",
                     self.report)[0]
        _until(lambda: "exhibit AB/1 open" in self.log(), 30, "the footage", self.report)
        time.sleep(1.0)  # the first frame decodes after the exhibit opens
        self.xdo("windowfocus", "--sync", wid)
        return wid

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)
        self.out.close()


def test_5_words_then_ctrl_q_keeps_the_words(xserver, tmp_path, user_home):
    app = App(xserver, tmp_path, user_home)
    try:
        app.window()
        app.xdo("key", "5")
        _until(lambda: "mark advice" in app.log(), 10, "the mark", app.report)
        app.xdo("type", "--delay", "20", "Keep the noise down")
        app.xdo("key", "ctrl+q")
        assert app.proc.wait(30) == 0, app.report()
    finally:
        app.close()
    with CaseStore.open(app.case_path, readonly=True) as store:
        [ann] = store.annotations()
        assert ann.text == "Keep the noise down" and ann.category_id == store.category("advice").id
        assert [r["action"] for r in store.audit_rows()][-2:] == ["annotation.add", "annotation.update"]


def test_space_wait_space_1_quit_leaves_one_disclosure(xserver, tmp_path, user_home):
    app = App(xserver, tmp_path, user_home)
    xdo, report, log_file, case_path = app.xdo, app.report, app.log_file, app.case_path
    try:
        app.window()
        xdo("key", "space")
        _until(lambda: "playing at" in log_file.read_text("utf-8"), 10, "playback to start", report)
        time.sleep(1.5)
        xdo("key", "space")
        _until(lambda: "paused at" in log_file.read_text("utf-8"), 10, "playback to pause", report)
        time.sleep(0.5)
        xdo("key", "1")
        _until(lambda: "mark disclosure" in log_file.read_text("utf-8"), 10, "the mark", report)
        xdo("key", "ctrl+q")
        assert app.proc.wait(30) == 0, report()
    finally:
        app.close()
    text = log_file.read_text("utf-8")
    before_mark = text[: text.index("mark disclosure")]
    paused = int(re.findall(r"paused at (\d+) ms", before_mark)[-1])
    marked = re.findall(r"mark disclosure at (\d+) ms on AB/1 \(playing=(\w+)\)", text)
    assert len(marked) == 1 and marked[0][1] == "False", text
    with CaseStore.open(case_path, readonly=True) as store:
        [ann] = store.annotations()
        assert store.category("disclosure").id == ann.category_id
        # Paused, so no reaction lag: the frame on screen when the key was pressed.
        assert ann.start_ms == int(marked[0][0]) == paused
        assert 500 <= ann.start_ms <= 9000  # it did play for about 1.5 s
        assert ann.reviewer == "X Reviewer"
