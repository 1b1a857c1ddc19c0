"""Streaming SHA-256 of footage, with progress and cancel.

Files are read in 1 MiB blocks into one reused buffer (never whole), so a 4 GB exhibit
costs the same memory as a 4 MB one and hashing runs at the speed of the disk and
hashlib. ``progress(done, total)`` is called at most every ``report_every`` bytes and may
raise :class:`Cancelled` (or ``cancel()`` may return True) to stop early.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

from .errors import Cancelled, FootageError

BLOCK = 1 << 20

Progress = Callable[[int, int], None]


def sha256_file(
    path: Path | str,
    progress: Progress | None = None,
    cancel: Callable[[], bool] | None = None,
    report_every: int = 16 * BLOCK,
) -> str:
    path = Path(path)
    digest = hashlib.sha256()
    buffer = bytearray(BLOCK)
    view = memoryview(buffer)
    try:
        total = path.stat().st_size
        done = 0
        next_report = report_every
        with path.open("rb", buffering=0) as handle:
            while True:
                n = handle.readinto(buffer)
                if not n:
                    break
                digest.update(view[:n])
                done += n
                if done >= next_report:
                    next_report = done + report_every
                    if cancel is not None and cancel():
                        raise Cancelled("Hashing was cancelled.")
                    if progress is not None:
                        progress(done, total)
    except FileNotFoundError as exc:
        raise FootageError(f"Footage {path} was not found.") from exc
    except PermissionError as exc:
        raise FootageError(f"Footage {path} cannot be read (permission denied).") from exc
    except IsADirectoryError as exc:
        raise FootageError(f"{path} is a folder, not a footage file.") from exc
    if progress is not None:
        progress(done, total)
    return digest.hexdigest()
