"""Streaming SHA-256 of footage, with progress and cancel.

Files are read in 1 MiB blocks into one reused buffer (never whole), so a 4 GB exhibit
costs the same memory as a 4 MB one and hashing runs at the speed of the disk and
hashlib. ``progress(done, total)`` is called at most every ``report_every`` bytes and may
raise :class:`Cancelled` (or ``cancel()`` may return True) to stop early.

Only a regular file is hashed (a FIFO, device or socket is refused before a byte is read,
and opening never blocks), and exactly the ``st_size`` bytes it had when opened: a file
that grows or shrinks meanwhile, or is replaced or rewritten in place (same size, new
modification time or inode), is reported as changed while hashing, never given a hash.
"""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Callable
from pathlib import Path

from .errors import Cancelled, FootageError

BLOCK = 1 << 20

Progress = Callable[[int, int], None]

_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_BINARY", 0) | getattr(os, "O_NONBLOCK", 0)


def _identity(st: os.stat_result) -> tuple:
    return (st.st_size, st.st_mtime_ns, st.st_ino, st.st_dev)


def _open(path: Path) -> tuple[int, os.stat_result]:
    try:
        before = path.stat()
    except FileNotFoundError as exc:
        raise FootageError(f"Footage {path} was not found.") from exc
    except PermissionError as exc:
        raise FootageError(f"Footage {path} cannot be read (permission denied).") from exc
    except OSError as exc:
        raise FootageError(f"Footage {path} cannot be read ({exc.strerror}).") from exc
    if stat.S_ISDIR(before.st_mode):
        raise FootageError(f"{path} is a folder, not a footage file.")
    if not stat.S_ISREG(before.st_mode):
        raise FootageError(f"{path} is not a regular file (a device, FIFO or socket), so it is not footage.")
    try:
        fd = os.open(path, _OPEN_FLAGS)
    except PermissionError as exc:
        raise FootageError(f"Footage {path} cannot be read (permission denied).") from exc
    except OSError as exc:
        raise FootageError(f"Footage {path} cannot be read ({exc.strerror}).") from exc
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode) or _identity(st) != _identity(before):
        os.close(fd)
        raise FootageError(f"{path} changed as it was opened; try again when nothing else is writing it.")
    return fd, st


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
    fd, st = _open(path)
    total = st.st_size
    done = 0
    next_report = report_every
    try:
        with os.fdopen(fd, "rb", buffering=0) as handle:
            while done < total:
                n = handle.readinto(view[: min(BLOCK, total - done)])
                if not n:
                    raise FootageError(f"{path.name} got shorter while it was being hashed; try again when it is complete.")
                digest.update(view[:n])
                done += n
                if done >= next_report:
                    next_report = done + report_every
                    if cancel is not None and cancel():
                        raise Cancelled("Hashing was cancelled.")
                    if progress is not None:
                        progress(done, total)
            after_open = os.fstat(handle.fileno())
    except OSError as exc:
        raise FootageError(f"Footage {path} could not be read to the end ({exc.strerror}).") from exc
    try:
        after_path = path.stat()
    except OSError:
        after_path = None
    if after_path is None or _identity(after_open) != _identity(st) or _identity(after_path) != _identity(st):
        raise FootageError(
            f"{path.name} changed while it was being hashed (its size, modification time or file identity "
            "is not what it was); try again when nothing is writing it."
        )
    if progress is not None:
        progress(done, total)
    return digest.hexdigest()
