"""A guard against PySide6 6.12.0's emit() dropping a reference to True.

In PySide6 6.12.0, ``SignalInstance.emit()`` returns ``True`` without taking a new
reference for it, so every signal emitted from Python leaves ``True`` one reference short.
A player emits a few signals per frame: after a minute or so True's count reaches zero and
the interpreter aborts ("bool_dealloc: deallocating True or False"), at the latest when it
exits. Python 3.12 made True immortal, which hides the bug there; on 3.11 we do the same by
hand: when the leak is measured (never assumed), True is given a reference count no session
can use up. Nothing happens on a PySide6 without the bug or on Python 3.12 and later.
"""

from __future__ import annotations

import ctypes
import sys

from PySide6.QtCore import QObject, Signal

_PROBES = 16
_RESERVE = 1 << 48  # at millions of emits a second, still longer than any session
_state: dict[str, bool] = {}


class _Probe(QObject):
    ping = Signal()


def emit_leaks_true() -> bool:
    """Whether emit() here loses a reference to True (measured, with a throwaway signal)."""
    if "leaks" not in _state:
        probe = _Probe()
        before = sys.getrefcount(True)
        for _ in range(_PROBES):
            probe.ping.emit()
        lost = before - sys.getrefcount(True)
        _state["leaks"] = lost >= _PROBES
        if lost > 0:
            _add_references(lost)  # give back what the probe itself took
    return _state["leaks"]


def guard_signal_refcounts() -> bool:
    """Make True outlive the leak (once per process); True when the guard was needed."""
    if sys.version_info >= (3, 12) or sys.implementation.name != "cpython":
        return False
    if not emit_leaks_true():
        return False
    if not _state.get("guarded"):
        _state["guarded"] = True
        _add_references(_RESERVE)
    return True


def _add_references(count: int) -> None:
    # CPython < 3.12: ob_refcnt is the first field of every object, at id(obj).
    cell = ctypes.c_ssize_t.from_address(id(True))
    cell.value += count
