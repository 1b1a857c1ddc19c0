"""Writing export files safely: NTFS-safe names, atomic writes, reproducible zips.

An export is either all there or not there: bytes go to a temporary file in the target
folder, are flushed to disk, then renamed over the target with ``os.replace`` (atomic on
NTFS and POSIX). An existing file is never replaced unless the caller says ``force``.
"""

from __future__ import annotations

import io
import os
import re
import secrets
import unicodedata
import zipfile
from datetime import datetime
from pathlib import Path

from ..errors import ReviewError

# Characters NTFS (and Explorer) refuse in a file name, plus control characters.
_FORBIDDEN = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f]')
_RESERVED = {
    "CON", "PRN", "AUX", "NUL",
    *(f"COM{i}" for i in range(1, 10)),
    *(f"LPT{i}" for i in range(1, 10)),
}
MAX_NAME = 120  # well under NTFS's 255, leaving room for a suffix and a long folder path


def safe_filename(text: str, replacement: str = "-") -> str:
    """A file name made from ``text`` (e.g. exhibit ref "AB/1" -> "AB-1") that NTFS accepts."""
    name = unicodedata.normalize("NFC", str(text))
    name = _FORBIDDEN.sub(replacement, name)
    name = re.sub(r"\s+", " ", name).strip()
    name = name.rstrip(". ")  # Windows silently drops trailing dots and spaces
    if not name:
        name = "export"
    if name.split(".")[0].upper() in _RESERVED:
        name = "_" + name
    if len(name) > MAX_NAME:
        name = name[:MAX_NAME].rstrip(". ")
    return name


def check_writable(targets: list[Path], force: bool) -> None:
    """Refuse before anything is written if any target exists (unless force) or cannot be made."""
    existing = [t for t in targets if t.exists()]
    if existing and not force:
        names = ", ".join(str(t) for t in existing)
        raise ReviewError(
            f"{names} already exist{'s' if len(existing) == 1 else ''}; nothing was written. "
            "Choose another name, or use --force to replace it."
        )
    for target in targets:
        if target.is_dir():
            raise ReviewError(f"{target} is a folder; give a file name to export to.")
        if not target.parent.is_dir():
            raise ReviewError(f"Folder {target.parent} does not exist; nothing was written.")


def atomic_write(target: Path, data: bytes, force: bool = False) -> Path:
    """Write ``data`` to ``target`` via a temporary file in the same folder, then rename."""
    target = Path(target)
    check_writable([target], force)
    # Not mkstemp: its 0600 would make the export unreadable to colleagues; os.open with
    # 0666 lets the user's umask decide, as for any file they save.
    tmp = target.with_name(f".{target.name[:40]}.{secrets.token_hex(6)}.part")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if not force and target.exists():  # appeared while we were writing
            raise ReviewError(f"{target} appeared while exporting; nothing was replaced.")
        tmp.replace(target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return target


def write_all(files: list[tuple[Path, bytes]], force: bool = False) -> list[Path]:
    """Write several files, refusing all of them up front if any would be overwritten."""
    check_writable([path for path, _ in files], force)
    return [atomic_write(path, data, force) for path, data in files]


def reproducible_zip(data: bytes, when: datetime) -> bytes:
    """Re-pack an OOXML zip (docx, xlsx) with every entry dated ``when``, so that the same
    case exported at the same "generated" time gives the same bytes from GUI and CLI."""
    stamp = (max(when.year, 1980), when.month, when.day, when.hour, when.minute, when.second)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=stamp)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o600 << 16
            dst.writestr(entry, src.read(info.filename))
    return out.getvalue()
