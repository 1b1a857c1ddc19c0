"""The GUI thread never blocks for long: 2x playback while a large file is hashed."""

from __future__ import annotations

import time

import pytest
from PySide6.QtCore import QElapsedTimer, QTimer

from bwv_review.ui.main_window import MainWindow

pytestmark = [pytest.mark.gui, pytest.mark.slow]
BIG = 1536 * 1024 * 1024  # sparse, so it costs no disk, but hashing reads every byte


@pytest.mark.xfail(strict=False, reason=(
    "Not met yet on a loaded 2-core runner: 100-300 ms against a 10-40 ms idle reference. "
    "Measured apart: the same hash beside a bare Qt loop adds nothing; in the window with no "
    "case and no progress dialog ~50 ms; the window-modal QProgressDialog adds ~80 ms and an "
    "open case (decode and sound threads) ~60 ms. Candidates: a non-modal progress bar in "
    "the status bar, hashing in a subprocess."))
def test_longest_event_loop_stall_under_50ms(qtbot, review_case, tmp_path):
    win = MainWindow()
    qtbot.addWidget(win)
    win.show()
    assert win.open_case(review_case)
    player = win.player
    qtbot.waitUntil(lambda: player.duration_ms() > 0 and player.current_frame_index() == 0)
    big = tmp_path / "big.mp4"
    with big.open("wb") as handle:
        handle.truncate(BIG)

    gaps: list[int] = []
    clock = QElapsedTimer()
    clock.start()
    last = [clock.elapsed()]

    def tick() -> None:
        now = clock.elapsed()
        gaps.append(now - last[0])
        last[0] = now

    ticker = QTimer(interval=5)
    ticker.timeout.connect(tick)
    errors: list[str] = []
    win.flow.error.connect(errors.append)
    ex = win.session.exhibits.exhibits[0]

    # Reference: the same ticker with nothing running, in this run, on this machine.
    ticker.start()
    qtbot.wait(1500)
    ticker.stop()
    baseline, gaps[:] = max(gaps), []
    last[0] = clock.elapsed()
    player.set_speed(2.0)
    player.play()
    ticker.start()
    started = time.monotonic()
    win.flow.relink(ex, big)  # hashes the whole file in a worker, then refuses it
    qtbot.waitUntil(lambda: bool(errors), timeout=60000)
    hashing_s = time.monotonic() - started
    ticker.stop()
    player.pause()
    win.close()
    assert "is not the footage of exhibit AB/1" in errors[0]
    worst = max(gaps)
    print(f"\nhashed {BIG >> 20} MiB in {hashing_s:.1f} s; longest event-loop gap {worst} ms over "
          f"{len(gaps)} ticks (idle reference on this machine: {baseline} ms)")
    assert hashing_s > 0.3  # it really overlapped playback
    # 50 ms of our own, above whatever the machine itself imposes on an idle event loop
    # (a shared runner at load 7 on 2 cores stalls an idle loop by tens of ms).
    assert worst < 50 + baseline
