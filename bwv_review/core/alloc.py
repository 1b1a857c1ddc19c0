"""Building many small objects at once without Python's cyclic collector running through them.

Opening a case of 100,000 marks makes some 400,000 objects (rows, marks, table rows) that
hold no reference cycles. Left on, the collector runs dozens of times while they are made,
each pass walking every object made so far: about half of the time a big case took to
open. Inside :func:`bulk`, automatic collection is paused; reference counting still frees
everything at once, and the collector resumes (if it was on) when the block ends. Nesting
is safe, and so is the GUI's own pause while a worker runs (ui/tasks.py): the state found
on entry is the state restored."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def bulk() -> Iterator[None]:
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
