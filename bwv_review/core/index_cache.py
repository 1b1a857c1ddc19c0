"""The per-user cache of ``frame_index.probe`` results.

Demuxing touches every packet, so ``load_info`` keeps a file's probe result in the user's
cache folder, keyed by the file's size, modification time, inode and a hash of samples
taken through it (``fingerprint``): a 4 GB exhibit is recognised in milliseconds, never
hashed whole for this (``add`` and ``verify`` keep the full SHA-256). A cache entry is
used only while size, modification time and inode still match; nothing is written beside
the footage.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from pathlib import Path

from .. import paths
from .frame_index import FrameIndex, MediaInfo, probe

log = logging.getLogger(__name__)

CACHE_VERSION = 3
SAMPLES = 16  # pieces of the file read for its fingerprint
SAMPLE_BYTES = 64 * 1024


def fingerprint(path: Path | str, stat: os.stat_result | None = None) -> str:
    """A key for one file's bytes without reading them all: size, mtime, inode, and the
    SHA-256 of SAMPLES pieces spread through it (first and last included)."""
    path = Path(path)
    stat = stat or path.stat()
    digest = hashlib.sha256(f"{stat.st_size}:{stat.st_mtime_ns}:{stat.st_ino}:".encode())
    size = stat.st_size
    with path.open("rb") as handle:
        if size <= SAMPLES * SAMPLE_BYTES:
            digest.update(handle.read())
        else:
            span = size - SAMPLE_BYTES
            for n in range(SAMPLES):
                handle.seek(span * n // (SAMPLES - 1))
                digest.update(handle.read(SAMPLE_BYTES))
    return digest.hexdigest()


def load_info(path: Path | str, sha256: str | None = None) -> MediaInfo:
    """``probe(path)``, from the user's cache when this very file was probed before.

    ``sha256`` is accepted for callers that know it; the cache key is the fingerprint.
    """
    path = Path(path)
    try:
        stat = path.stat()
        key = fingerprint(path, stat)
    except OSError:
        return probe(path)  # gives the reviewer the right sentence
    target = _cache_file(key)
    cached = _read_cache(target, stat)
    if cached is not None:
        cached.path = str(path)
        return cached
    info = probe(path)
    _write_cache(target, info, stat)
    return info


def remember(path: Path | str, sha256: str | None, info: MediaInfo) -> None:
    """Keep a ``probe`` result just made (e.g. while importing footage) for ``load_info``."""
    path = Path(path)
    try:
        stat = path.stat()
        key = fingerprint(path, stat)
    except OSError:
        return
    if info.index is not None:
        _write_cache(_cache_file(key), info, stat)


def _cache_file(key: str) -> Path:
    name = "".join(ch for ch in key.lower() if ch in "0123456789abcdef")[:64] or "unknown"
    return paths.cache_dir("frame-index") / f"{name}.json"


def _read_cache(target: Path, stat: os.stat_result) -> MediaInfo | None:
    try:
        data = json.loads(target.read_text(encoding="utf-8"))
        if data.get("version") != CACHE_VERSION:
            return None
        if (data["size"], data["mtime_ns"], data["inode"]) != (stat.st_size, stat.st_mtime_ns, stat.st_ino):
            return None
        fields = dict(data["info"])
        fields["index"] = FrameIndex.from_json(data["index"])
        return MediaInfo(**fields)
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        log.info("Ignoring unreadable frame-index cache %s: %s", target, exc)
        return None


def _write_cache(target: Path, info: MediaInfo, stat: os.stat_result) -> None:
    data = {
        "version": CACHE_VERSION,
        "size": stat.st_size,
        "mtime_ns": stat.st_mtime_ns,
        "inode": stat.st_ino,
        "info": info.as_json(),
        "index": info.index.to_json() if info.index else None,
    }
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-", suffix=".json")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle)
        Path(tmp).replace(target)
    except OSError as exc:  # a cache that cannot be written only costs time later
        log.info("Could not cache the frame index in %s: %s", target, exc)
        if tmp:
            Path(tmp).unlink(missing_ok=True)
