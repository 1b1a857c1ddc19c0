"""Light, dark or the system's colours, set once at start and when the setting changes.

Qt's colour-scheme request is honoured only by platform themes that support it (not by
every Linux desktop, nor under Xvfb), so light and dark also set a Fusion palette.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication


def dark_palette() -> QPalette:
    p = QPalette()
    role, group = QPalette.ColorRole, QPalette.ColorGroup
    base, window, text = QColor("#1e1f22"), QColor("#2b2d31"), QColor("#e6e6e6")
    for r, c in (
        (role.Window, window), (role.WindowText, text), (role.Base, base), (role.AlternateBase, QColor("#26282c")),
        (role.ToolTipBase, QColor("#3a3d42")), (role.ToolTipText, text), (role.Text, text),
        (role.PlaceholderText, QColor("#8a8d93")), (role.Button, QColor("#35373c")), (role.ButtonText, text),
        (role.BrightText, QColor("#ff6b6b")), (role.Highlight, QColor("#2f6fb3")), (role.HighlightedText, QColor("#ffffff")),
        (role.Link, QColor("#6cb4ff")), (role.Light, QColor("#45484e")), (role.Midlight, QColor("#3a3d42")),
        (role.Mid, QColor("#2f3136")), (role.Dark, QColor("#18191b")), (role.Shadow, QColor("#000000")),
    ):
        p.setColor(r, c)
    for r in (role.WindowText, role.Text, role.ButtonText):
        p.setColor(group.Disabled, r, QColor("#7b7e84"))
    return p


def apply_theme(app: QApplication, theme: str) -> None:
    scheme = {"light": Qt.ColorScheme.Light, "dark": Qt.ColorScheme.Dark}.get(theme, Qt.ColorScheme.Unknown)
    app.styleHints().setColorScheme(scheme)
    if theme == "dark":
        app.setPalette(dark_palette())
    else:
        app.setPalette(app.style().standardPalette())
