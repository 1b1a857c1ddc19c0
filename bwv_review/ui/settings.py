"""The reviewer's own preferences, kept as an INI file under paths.config_dir().

One place reads and writes QSettings so every default lives here, and tests (which point
BWV_REVIEW_HOME at tmp) never touch a real user's settings.
"""

from __future__ import annotations

import os

from PySide6.QtCore import QByteArray, QSettings

from .. import paths

MAX_RECENT = 8
THEMES = ("system", "light", "dark")


class Settings:
    """Typed access to the reviewer's preferences (written as soon as they change)."""

    def __init__(self, qsettings: QSettings | None = None):
        self.q = qsettings or QSettings(str(paths.config_dir() / "bwv-review.ini"), QSettings.Format.IniFormat)

    # -- helpers ----------------------------------------------------------------
    def _get(self, key: str, default, kind):
        value = self.q.value(key, default)
        try:
            return kind(value)
        except (TypeError, ValueError):
            return default

    def _set(self, key: str, value) -> None:
        self.q.setValue(key, value)
        self.q.sync()

    # -- reviewer ---------------------------------------------------------------
    @property
    def reviewer(self) -> str:
        """The name written into the audit log; the environment gives a default for tests and kiosks."""
        name = str(self.q.value("reviewer/name", "") or "").strip()
        return name or os.environ.get("BWV_REVIEWER", "").strip()

    @reviewer.setter
    def reviewer(self, name: str) -> None:
        self._set("reviewer/name", name.strip())

    @property
    def reaction_lag_ms(self) -> int:
        return max(0, self._get("review/reaction_lag_ms", 300, int))

    @reaction_lag_ms.setter
    def reaction_lag_ms(self, value: int) -> None:
        self._set("review/reaction_lag_ms", int(value))

    @property
    def rewind_on_pause_s(self) -> float:
        return max(0.0, self._get("review/rewind_on_pause_s", 1.0, float))

    @rewind_on_pause_s.setter
    def rewind_on_pause_s(self, value: float) -> None:
        self._set("review/rewind_on_pause_s", float(value))

    @property
    def default_speed(self) -> float:
        return min(4.0, max(0.25, self._get("review/default_speed", 1.0, float)))

    @default_speed.setter
    def default_speed(self, value: float) -> None:
        self._set("review/default_speed", float(value))

    @property
    def theme(self) -> str:
        value = str(self.q.value("appearance/theme", "system"))
        return value if value in THEMES else "system"

    @theme.setter
    def theme(self, value: str) -> None:
        self._set("appearance/theme", value if value in THEMES else "system")

    @property
    def transcribe_model(self) -> str:
        """A faster-whisper model folder chosen by the reviewer; "" = the bundled model."""
        return str(self.q.value("transcribe/model", "") or "").strip()

    @transcribe_model.setter
    def transcribe_model(self, folder: str) -> None:
        self._set("transcribe/model", str(folder or "").strip())

    # -- recent cases -----------------------------------------------------------
    def _strings(self, key: str) -> list[str]:
        value = self.q.value(key, [])
        if isinstance(value, str):
            value = [value] if value else []
        return [str(v) for v in (value or []) if v]

    def recent_cases(self) -> list[str]:
        return self._strings("cases/recent")

    def add_recent_case(self, path: str) -> None:
        items = [path] + [p for p in self.recent_cases() if p != path]
        self._set("cases/recent", items[:MAX_RECENT])

    def remove_recent_case(self, path: str) -> None:
        self._set("cases/recent", [p for p in self.recent_cases() if p != path])

    def server_cases(self) -> list[str]:
        """Server case addresses opened before, newest first (never a password: refused on open)."""
        return self._strings("cases/servers")

    def add_server_case(self, url: str) -> None:
        self._set("cases/servers", ([url] + [u for u in self.server_cases() if u != url])[:MAX_RECENT])

    # -- window layout ----------------------------------------------------------
    def window_state(self) -> tuple[QByteArray | None, QByteArray | None]:
        geometry = self.q.value("window/geometry")
        state = self.q.value("window/state")
        return (geometry if isinstance(geometry, QByteArray) else None,
                state if isinstance(state, QByteArray) else None)

    def save_window_state(self, geometry: QByteArray, state: QByteArray | None = None) -> None:
        """Geometry always; dock layout only when given (it is taken while a case is open)."""
        self.q.setValue("window/geometry", geometry)
        if state is not None:
            self.q.setValue("window/state", state)
        self.q.sync()
