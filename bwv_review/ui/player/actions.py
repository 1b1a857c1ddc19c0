"""Menu actions the player offers the window (the window puts them in its menus)."""

from __future__ import annotations

from PySide6.QtGui import QAction


def deinterlace_action(parent, on_toggled) -> QAction:
    """View > Deinterlace: interlaced frames shown deinterlaced, and the caption says so."""
    action = QAction("Deinterlace interlaced footage", parent)
    action.setCheckable(True)
    action.setToolTip("Show interlaced footage deinterlaced (each frame from its own two fields); "
                      "off: as decoded, both fields woven, as recorded")
    action.toggled.connect(on_toggled)
    return action
