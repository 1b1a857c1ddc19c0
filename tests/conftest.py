"""Test set-up shared by every test.

Qt runs offscreen, and every per-user folder (settings, cache, logs, sample case) points
into the test's own tmp_path, so no test reads or writes a real user's files.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import sys  # noqa: E402
import threading  # noqa: E402
import weakref  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

from tests.footage import write_clip  # noqa: E402
from tests.pgcases import pg_database, pg_server, server_case  # noqa: E402, F401 - fixtures for any test

REAL_MEDIA = Path(__file__).parent / "data"


@pytest.fixture(autouse=True)
def user_home(tmp_path, monkeypatch) -> Path:
    home = tmp_path / "user-home"
    monkeypatch.setenv("BWV_REVIEW_HOME", str(home))
    monkeypatch.setenv("BWV_REVIEWER", "Test Reviewer")
    return home


@pytest.fixture(scope="session")
def clip(tmp_path_factory) -> Path:
    """A 2 s, 25 fps H.264 clip with sound; frame index drawn into every frame."""
    path = tmp_path_factory.mktemp("footage") / "clip.mp4"
    return write_clip(path, frames=50, fps=25, audio=True)


@pytest.fixture
def footage_copy(clip, tmp_path) -> Path:
    """A private copy of ``clip`` beside the test's case, free to damage."""
    target = tmp_path / "case" / "AB-1 clip.mp4"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(clip.read_bytes())
    return target


@pytest.fixture
def case(footage_copy):
    """An open case ("Operation Example") beside ``footage_copy``, which is exhibit AB/1."""
    from bwv_review.core.evidence import import_footage
    from bwv_review.core.store import CaseStore

    store = CaseStore.create(
        footage_copy.parent / "op-example.bwvcase", "Operation Example", "IOPC 2019/0001", "Test Reviewer"
    )
    import_footage(store, footage_copy, "AB/1", "Test Reviewer", wearer="PC 1234 Smith",
                   start="2019-07-01T23:34:55+01:00")
    yield store
    store.close()


@pytest.fixture(params=["file", pytest.param("server", marks=pytest.mark.pg)])
def engine_case(request, footage_copy):
    """``case`` on each engine: the case file, and the same case on a PostgreSQL server opened
    by a reviewer's role (footage_copy as AB/1 in this desktop's media folder for it)."""
    if request.param == "file":
        yield request.getfixturevalue("case")
        return
    from bwv_review.core.cases import open_case

    _owner, as_role = request.getfixturevalue("server_case")
    store = open_case(as_role("reviewer_a"), actor="Test Reviewer")
    yield store
    store.close()


_qthreads: weakref.WeakSet = weakref.WeakSet()


def _track_qthreads() -> None:
    """Remember every QThread started from Python, once Qt is loaded (the core tests never load it)."""
    qtcore = sys.modules.get("PySide6.QtCore")
    if qtcore is None or getattr(qtcore.QThread.start, "_tracked", False):
        return
    start = qtcore.QThread.start

    def tracked(self, *args, **kwargs):
        _qthreads.add(self)
        return start(self, *args, **kwargs)

    tracked._tracked = True
    qtcore.QThread.start = tracked


@pytest.fixture(autouse=True)
def no_thread_left_running():
    """Fail a test that leaves a thread running (a QThread or a Python thread) once it ends.

    Autouse, so set up before qtbot and torn down after it has closed the test's widgets."""
    _track_qthreads()
    before = set(threading.enumerate())
    yield
    running = []
    for thread in list(_qthreads):
        try:
            if thread.isRunning() and not thread.wait(3000):  # a join, not a sleep: ending now is fine
                running.append(f"QThread {thread.objectName() or type(thread).__name__}")
        except RuntimeError:  # its C++ object is gone: it was cleaned up
            continue
    for thread in set(threading.enumerate()) - before:
        if not thread.daemon and not isinstance(thread, threading._DummyThread):
            thread.join(3)
            if thread.is_alive():
                running.append(f"thread {thread.name}")
    assert not running, f"left running after the test: {', '.join(running)}"
