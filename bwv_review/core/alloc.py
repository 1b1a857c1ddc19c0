"""Building many small objects at once without Python's cyclic collector running through them.

Opening a case of 100,000 marks makes some 400,000 objects (rows, marks, table rows) that
hold no reference cycles. Left on, the collector runs dozens of times while they are made,
each pass walking every object made so far: about half of the time a big case took to
open. Inside :func:`bulk`, automatic collection is paused; reference counting still frees
garbage as usual. On leaving, what was made is moved straight into the oldest generation
(``gc.freeze()`` then ``gc.unfreeze()``, which walk nothing), so the first collection
after the block does not go through all of it at once either; the next full collection
does, as it would anyway. Young objects made elsewhere meanwhile move with them: any
cyclic garbage among them waits for that full collection. The collector resumes (if it
was on) when the block ends. Nesting is safe, and so is the GUI's own pause while a worker
runs (ui/tasks.py): the state found on entry is the state restored."""

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
        gc.freeze()
        gc.unfreeze()
        if was_enabled:
            gc.enable()
