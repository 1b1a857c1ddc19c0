"""A guard against PySide6 6.12.0 dropping references to True and None.

PySide6 6.12.0 (not 6.11.3) returns borrowed references where it must return new ones:
``SignalInstance.emit()`` hands back ``True`` and every C++ method returning void hands back
``None`` without taking a reference for it. Each emit leaves True one reference short and
each void call (setPen, drawLine, update, setText, QTimer.start...) does the same to None.
A player and timeline make thousands of such calls a second: within minutes a count reaches
zero and the interpreter aborts ("none_dealloc: deallocating None" or "bool_dealloc").

Python 3.12 made True and None immortal, which hides the bug there. On 3.11 we do the same
by hand: each leak is measured (never assumed) with a throwaway object, and only a measured
leak gives the singleton a reference count no session can use up. Nothing happens on a
PySide6 without the bug or on Python 3.12 and later. The real fix is a PySide6 release
without the bug; until then this must run before the GUI starts making calls.
"""

from __future__ import annotations

import ctypes
import sys

from PySide6.QtCore import QElapsedTimer, QObject, Signal

_PROBES = 16
_RESERVE = 1 << 48  # at millions of calls a second, still longer than any session
_state: dict[str, bool] = {}


class _Probe(QObject):
    ping = Signal()


def _measure(name: str, singleton, call) -> bool:
    if name not in _state:
        before = sys.getrefcount(singleton)
        for _ in range(_PROBES):
            call()
        lost = before - sys.getrefcount(singleton)
        _state[name] = lost >= _PROBES
        if lost > 0:
            _add_references(singleton, lost)  # give back what the probe itself took
    return _state[name]


def emit_leaks_true() -> bool:
    """Whether emit() here loses a reference to True (measured, with a throwaway signal)."""
    probe = _Probe()
    return _measure("true", True, probe.ping.emit)


def void_call_leaks_none() -> bool:
    """Whether a C++ method returning void loses a reference to None here."""
    timer = QElapsedTimer()
    return _measure("none", None, timer.start)


def guard_signal_refcounts() -> bool:
    """Make True and None outlive the leaks (once per process); True when a guard was needed."""
    if sys.version_info >= (3, 12) or sys.implementation.name != "cpython":
        return False
    needed = False
    for name, singleton, leaks in (("true", True, emit_leaks_true), ("none", None, void_call_leaks_none)):
        if leaks():
            needed = True
            if not _state.get(f"{name}-guarded"):
                _state[f"{name}-guarded"] = True
                _add_references(singleton, _RESERVE)
    return needed


def _add_references(obj, count: int) -> None:
    # CPython < 3.12: ob_refcnt is the first field of every object, at id(obj).
    cell = ctypes.c_ssize_t.from_address(id(obj))
    cell.value += count
