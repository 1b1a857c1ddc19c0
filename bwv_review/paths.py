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
