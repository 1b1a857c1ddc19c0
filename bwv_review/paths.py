"""Per-user folders, all in one place.

Every folder the app writes to (settings, data such as the sample case, caches such as
frame indexes and waveforms, logs) comes from here. Setting ``BWV_REVIEW_HOME`` points all
of them below one folder, which is how tests keep away from a real user's settings.
Nothing here creates a folder at import time.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "bwv-review"
HOME_ENV = "BWV_REVIEW_HOME"


def _base(kind: str) -> Path:
    override = os.environ.get(HOME_ENV)
    if override:
        return Path(override) / kind
    dirs = platformdirs.PlatformDirs(APP_NAME, appauthor=False)
    return Path(
        {
            "config": dirs.user_config_dir,
            "data": dirs.user_data_dir,
            "cache": dirs.user_cache_dir,
            "log": dirs.user_log_dir,
        }[kind]
    )


def _ensure(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path


def config_dir() -> Path:
    return _ensure(_base("config"))


def data_dir() -> Path:
    return _ensure(_base("data"))


def cache_dir(sub: str | None = None) -> Path:
    base = _base("cache")
    return _ensure(base / sub if sub else base)


def log_dir() -> Path:
    return _ensure(_base("log"))


# -- what the window's settings say, read without Qt ------------------------------------------
SETTINGS_FILE = "bwv-review.ini"  # written by QSettings (IniFormat) in ui/settings.py
MEDIA_ROOTS_FILE = "media-roots.txt"


def settings_file() -> Path:
    return _base("config") / SETTINGS_FILE


_ESCAPES = {"a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v",
            '"': '"', "'": "'", "?": "?", "\\": "\\", ";": ";", ",": ",", "=": "="}


def _qt_ini_values(raw: str) -> list[str]:
    """A QSettings INI value as Qt writes it: items separated by commas, each maybe in
    double quotes, with C-style escapes (``\\n``, ``\\"``, ``\\xHHHH``); ``;`` outside
    quotes starts a comment."""
    items: list[str] = []
    current: list[str] = []
    quoted = False
    touched = False
    i, n = 0, len(raw)
    while i < n:
        ch = raw[i]
        if ch == "\\" and i + 1 < n:
            nxt = raw[i + 1]
            if nxt == "x":
                j = i + 2
                while j < n and j < i + 6 and raw[j] in "0123456789abcdefABCDEF":
                    j += 1
                current.append(chr(int(raw[i + 2:j] or "0", 16)))
                i = j
                continue
            if nxt in "01234567":
                j = i + 1
                while j < n and j < i + 4 and raw[j] in "01234567":
                    j += 1
                current.append(chr(int(raw[i + 1:j], 8)))
                i = j
                continue
            current.append(_ESCAPES.get(nxt, nxt))
            i += 2
            touched = True
            continue
        if ch == '"':
            quoted = not quoted
            touched = True
        elif not quoted and ch == ",":
            items.append("".join(current) if touched else "".join(current).strip())
            current, touched = [], False
        elif not quoted and ch == ";":
            break
        elif not quoted and ch in " \t" and not current:
            pass  # leading blanks of an unquoted item
        else:
            current.append(ch)
        i += 1
    last = "".join(current)
    items.append(last if touched else last.rstrip())
    return items


def settings_value(section: str, key: str) -> str | None:
    """One string from the window's settings file, or None (absent, unreadable, not a string)."""
    try:
        text = settings_file().read_text("utf-8", errors="replace")
    except OSError:
        return None
    in_section = False
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("[") and stripped.endswith("]"):
            in_section = stripped[1:-1].strip().casefold() == section.casefold()
            continue
        if not in_section or "=" not in stripped or stripped.startswith((";", "#")):
            continue
        name, _, raw = stripped.partition("=")
        if name.strip() != key:
            continue
        values = _qt_ini_values(raw.strip())
        if len(values) != 1:
            return None
        value = values[0]
        if value.startswith("@@"):
            return value[1:]
        if value.startswith("@String(") and value.endswith(")"):
            return value[len("@String("):-1]
        return None if value.startswith("@") else value
    return None


def settings_reviewer() -> str:
    """The reviewer name the window asked for (``[reviewer] name``), or ""."""
    return (settings_value("reviewer", "name") or "").strip()


# -- media folders: footage may be read from these as well as from a case's own folder ------------
def media_roots_file() -> Path:
    return _base("config") / MEDIA_ROOTS_FILE


def media_roots() -> list[Path]:
    """Folders this reviewer added, on this computer, as places footage may be read from
    (one absolute path a line, UTF-8). A case file cannot add one."""
    try:
        lines = media_roots_file().read_text("utf-8").splitlines()
    except OSError:
        return []
    out = []
    for line in lines:
        text = line.strip()
        if text and not text.startswith("#") and Path(text).is_absolute():
            out.append(Path(text).resolve())
    return out


def set_media_roots(folders: list[Path]) -> list[Path]:
    unique: list[Path] = []
    for folder in folders:
        real = Path(folder).resolve()
        if real not in unique:
            unique.append(real)
    target = media_roots_file()
    _ensure(target.parent)
    tmp = target.with_name(target.name + ".tmp")
    tmp.write_text("".join(f"{f}\n" for f in unique), "utf-8")
    tmp.replace(target)
    return unique


def add_media_root(folder: Path) -> bool:
    """Add a media folder (True if it was not there already)."""
    current = media_roots()
    real = Path(folder).resolve()
    if real in current:
        return False
    set_media_roots([*current, real])
    return True
