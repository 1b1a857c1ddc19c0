"""The task helper: Qt objects left in reference cycles are freed on the GUI thread, never in
a worker that happens to allocate (Python's collector runs in whichever thread allocates, and
a Qt object freed on another thread crashed the export dialog's worker now and then)."""

from __future__ import annotations

import gc
import threading

import pytest
from PySide6.QtCore import QObject

from bwv_review.ui.tasks import Task, TaskPool

pytestmark = pytest.mark.gui


class _Tracked(QObject):
    freed_on: list[str] = []

    def __del__(self):
        _Tracked.freed_on.append(threading.current_thread().name)


_go = threading.Event()


def _busy(_progress, _cancelled) -> int:
    _go.wait(10)
    # Enough container allocations to set off Python's automatic collector many times.
    return len([[i] for i in range(200_000)])


def test_garbage_is_collected_on_the_gui_thread_while_a_task_runs(qtbot):
    _Tracked.freed_on.clear()
    _go.clear()
    pool = TaskPool()
    before = gc.isenabled()
    task = pool.start(Task(_busy, "busy"))
    assert not gc.isenabled()  # no automatic collection while a worker runs
    cycle = [_Tracked()]
    cycle.append(cycle)  # only the cyclic collector can free it
    del cycle
    with qtbot.waitSignal(task.done, timeout=30_000):
        _go.set()  # the worker allocates only now
    qtbot.waitUntil(lambda: bool(_Tracked.freed_on), timeout=5_000)
    assert _Tracked.freed_on == [threading.main_thread().name]
    assert gc.isenabled() == before  # as it was, once no worker runs


def test_no_automatic_collection_while_the_player_threads_run(qtbot):
    """The decode and sound threads run for as long as footage is open, outside the pool:
    they hold GUI-thread collection for their whole life and give it back when joined."""
    from bwv_review.ui.player.decoder import DecodeThread
    from bwv_review.ui.player.sound_worker import SoundReader

    before = gc.isenabled()
    decode = DecodeThread()
    sound = SoundReader()
    sound._ensure()  # its thread starts with the first footage read
    try:
        assert not gc.isenabled()
        decode.shutdown()
        assert not gc.isenabled()  # the sound thread still runs
    finally:
        decode.shutdown()  # a second shutdown gives nothing back twice
        sound.shutdown()
    assert gc.isenabled() == before
