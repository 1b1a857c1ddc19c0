"""Where an exhibit's footage is: the one place a stored path becomes a file to read.

A case file names its footage, and a case file may come from someone else, so a stored
path is followed only to a regular file inside the case's folder or inside a media folder
the reviewer added on this computer (``paths.media_roots``). Absolute paths, ``../`` and
symbolic links that lead anywhere else are refused, and so are devices, FIFOs, sockets,
folders and the system's pseudo-files (/proc, /sys, /dev): reading one could hang, never
end, or hash a file the reviewer never chose.
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path, PurePosixPath, PureWindowsPath

from .. import paths
from .errors import FootageError

# Pseudo-file systems: their "files" report a size of 0 or 4096 and hold something else.
SYSTEM_FOLDERS = tuple(Path(p) for p in ("/proc", "/sys", "/dev")) if os.name == "posix" else ()
ADD_ROOT_HINT = "add its folder with `bwv-review media-root --add FOLDER` if you mean to use it"
# A case file names its footage but never adds a media folder: only the reviewer's own
# choice of a file (adding or relinking footage) or folder does, on their own computer.

_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a device"),
    (stat.S_ISBLK, "a device"),
)


def roots(case_folder: Path) -> list[Path]:
    """The folders footage may be read from: the case's own, then the media folders added here."""
    return [Path(case_folder).resolve(), *paths.media_roots()]


def _inside(real: Path, folders: list[Path]) -> bool:
    return any(real == f or real.is_relative_to(f) for f in folders)


def _system(real: Path) -> bool:
    return _inside(real, list(SYSTEM_FOLDERS))


def _stored_parts(stored: str) -> tuple[Path, bool]:
    """The stored path as a local path, whichever OS wrote it; and whether it was absolute."""
    windows = "\\" in stored or PureWindowsPath(stored).drive != ""
    parts = PureWindowsPath(stored).parts if windows else PurePosixPath(stored).parts
    candidate = Path(*parts) if parts else Path(stored)
    return candidate, candidate.is_absolute() or PureWindowsPath(stored).is_absolute()


def resolve(case_folder: Path, stored: str, label: str = "this exhibit") -> Path:
    """The real path of a stored footage path, or FootageError if it leads where footage may not be.

    The file need not exist (a missing file is the caller's to report); if it does exist it
    must be a regular file."""
    candidate, absolute = _stored_parts(stored)
    target = candidate if absolute else Path(case_folder) / candidate
    try:
        real = target.resolve()
    except (OSError, RuntimeError) as exc:  # a symlink loop, or a path the OS refuses
        raise FootageError(f"The footage path of {label} ({stored!r}) cannot be followed ({exc}).") from exc
    if _system(real):
        raise FootageError(f"The footage path of {label} ({stored!r}) leads to the system file {real}, not footage.")
    if not _inside(real, roots(case_folder)):
        raise FootageError(
            f"The footage path of {label} ({stored!r}) leads outside the case folder, to {real}; bwv-review "
            f"reads footage only from the case folder or a media folder added on this computer ({ADD_ROOT_HINT})."
        )
    check_regular(real, label, missing_ok=True)
    return real


def check_regular(path: Path, label: str = "", missing_ok: bool = False) -> os.stat_result | None:
    """The file's stat if it is a regular file; FootageError (one sentence) if it is anything else."""
    try:
        st = Path(path).stat()
    except FileNotFoundError:
        if missing_ok:
            return None
        raise FootageError(f"Footage {path} was not found.") from None
    except OSError as exc:
        raise FootageError(f"Footage {path} cannot be read ({exc.strerror}).") from exc
    for test, kind in _KINDS:
        if test(st.st_mode):
            what = f" of {label}" if label else ""
            raise FootageError(f"The footage{what} at {path} is {kind}, not a footage file.")
    if not stat.S_ISREG(st.st_mode):
        raise FootageError(f"{path} is not a regular file, so it cannot be footage.")
    return st


def stored_path(case_folder: Path, footage: Path) -> str:
    """How a footage file the reviewer chose (to add or relink an exhibit) is named in the
    case: relative to the case folder when possible (so a case folder can move), '/'
    separated. Choosing a file outside the case folder is the reviewer's explicit choice of
    its folder: it becomes a media folder on this computer (``paths.add_media_root``).
    Refuses system files and anything that is not a regular file."""
    real = Path(footage).resolve()
    folder = Path(case_folder).resolve()
    if _system(real):
        raise FootageError(f"{footage} is a system file, not footage.")
    check_regular(real)
    if not _inside(real, roots(folder)):
        paths.add_media_root(real.parent)
    try:
        rel = os.path.relpath(real, folder)
    except ValueError:  # another drive on Windows
        return real.as_posix()
    return PurePosixPath(*Path(rel).parts).as_posix()


# -- footage of a case on a server ----------------------------------------------------------------
# A server case has no folder of its own: its exhibits are stored relative to a media folder
# that each desktop sets for that case (Z:\BWV\Op Example on one, /mnt/bwv/op-example on
# another). The SHA-256 in the case proves every desktop reads the same file.
SERVER_ROOTS_FILE = "server-media-roots.json"


def _server_roots() -> dict[str, str]:
    try:
        data = json.loads((paths.config_dir() / SERVER_ROOTS_FILE).read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    return {k: v for k, v in data.items() if isinstance(k, str) and isinstance(v, str)} if isinstance(data, dict) else {}


def server_root(case_key: str) -> Path | None:
    """This desktop's media folder for the server case ``case_key`` (see pg.url), or None."""
    found = _server_roots().get(case_key)
    return Path(found) if found and Path(found).is_absolute() else None


def set_server_root(case_key: str, folder: Path) -> Path:
    real = Path(folder).resolve()
    if not real.is_dir():
        raise FootageError(f"{folder} is not a folder.")
    roots_now = _server_roots()
    roots_now[case_key] = str(real)
    target = paths.config_dir() / SERVER_ROOTS_FILE
    tmp = target.with_name(target.name + ".tmp")
    tmp.write_text(json.dumps(roots_now, indent=1, ensure_ascii=False), "utf-8")
    tmp.replace(target)
    return real


def _require_root(case_key: str, url: str) -> Path:
    root = server_root(case_key)
    if root is None:
        raise FootageError(
            f"This computer has no media folder for the server case {url}: set the folder where this case's "
            f"footage is on this computer with `bwv-review media-root --case {url} FOLDER`.")
    return root


def resolve_server(case_key: str, url: str, stored: str, label: str = "this exhibit") -> Path:
    """Where a server case's footage is on this desktop (refused like ``resolve`` otherwise)."""
    root = _require_root(case_key, url)
    _candidate, absolute = _stored_parts(stored)
    if absolute:
        raise FootageError(f"The footage path of {label} ({stored!r}) is not relative to the case's media folder, "
                           "so it cannot be found the same way on every computer.")
    return resolve(root, stored, label)


def stored_server_path(case_key: str, url: str, footage: Path) -> str:
    """How a server case names footage: '/'-separated, relative to this desktop's media folder
    for it (refused outside it: the other reviewers would not find it)."""
    root = _require_root(case_key, url)
    real = Path(footage).resolve()
    if _system(real):
        raise FootageError(f"{footage} is a system file, not footage.")
    check_regular(real)
    if not _inside(real, [root]):
        raise FootageError(f"{footage} is not inside this case's media folder {root}; put the footage there (on the "
                           "shared storage every reviewer reaches) and add it from there.")
    return PurePosixPath(*real.relative_to(root).parts).as_posix()
