"""Linking marks of one utterance heard on several cameras, from the reviewer's window.

Linking and unlinking are core operations (one transaction each, undoable, with the rules
the CLI uses too), run through the review session. ``link_selected`` is what "Edit > Link
selected marks as one event" runs: with several marks selected it links them; with one,
it offers the marks on the other cameras near the same clock instant, nearest first.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLayout,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
)

from ..core import chronology
from ..core.chronology import Entry
from ..core.model import Annotation
from ..core.timecode import format_ms, local

NEAR_MS = 10_000  # marks on other cameras this close in clock time are offered
LIKELY_MS = 2_000  # ... and the nearest one per camera this close is ticked already


def candidates(entries: list[Entry], chosen: Annotation) -> list[tuple[Entry, float | None]]:
    """Marks on other cameras that may be the same moment, nearest in clock time first
    (distance in ms; None when either camera's start is unknown, offered last)."""
    mine = next((e for e in entries if e.annotation.id == chosen.id), None)
    if mine is None:
        return []
    out = []
    for e in entries:
        if e.exhibit.id == mine.exhibit.id:
            continue
        if mine.clock_start is None or e.clock_start is None:
            out.append((e, None))
            continue
        apart = abs((e.clock_start - mine.clock_start).total_seconds() * 1000)
        if apart <= NEAR_MS:
            out.append((e, apart))
    return sorted(out, key=lambda c: (c[1] is None, c[1] or 0.0, c[0].exhibit.ref))


class LinkDialog(QDialog):
    """Tick the marks on other cameras that are the same moment as ``chosen``."""

    def __init__(self, parent, store, chosen: Annotation):
        super().__init__(parent)
        self.setWindowTitle("Link marks as one event")
        self.chosen = chosen
        tz = store.case().timezone
        entries = chronology.build(store)
        found = candidates(entries, chosen)
        ex = store.exhibit_by_id(chosen.exhibit_id)
        head = QLabel(f"Which marks on other cameras are the same moment as this one on {ex.ref} at "
                      f"{format_ms(chosen.start_ms)}: \u201c{chosen.text or chosen.speaker or '(no words)'}\u201d?")
        head.setWordWrap(True)
        self.list = QListWidget(self)
        ticked: set[int] = set()
        for entry, apart in found:
            a = entry.annotation
            clock = local(entry.clock_start, tz)
            when = f"{clock.strftime('%H:%M:%S.')}{clock.microsecond // 1000:03d}, " if clock else ""
            gap = f"{apart / 1000:.1f} s apart" if apart is not None else "clock not known"
            item = QListWidgetItem(f"{entry.exhibit.ref} {format_ms(a.start_ms)} ({when}{gap}) "
                                   f"{a.speaker + ': ' if a.speaker else ''}{a.text}")
            item.setData(Qt.ItemDataRole.UserRole, a.id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            likely = apart is not None and apart <= LIKELY_MS and entry.exhibit.id not in ticked
            if likely:
                ticked.add(entry.exhibit.id)
            item.setCheckState(Qt.CheckState.Checked if likely else Qt.CheckState.Unchecked)
            self.list.addItem(item)
        self.empty = QLabel("No marks on other cameras within 10 s of this one. Line the cameras up first "
                            "(Mark > Align cameras by sound\u2026), or mark the moment on the other camera.")
        self.empty.setWordWrap(True)
        self.empty.setVisible(not found)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Link")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.setSizeConstraint(QLayout.SizeConstraint.SetNoConstraint)
        layout.addWidget(head)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.empty)
        layout.addWidget(buttons)
        self.resize(620, 320)

    def chosen_ids(self) -> list[int]:
        ticked = [self.list.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.list.count())
                  if self.list.item(i).checkState() == Qt.CheckState.Checked]
        return [self.chosen.id, *ticked]


def selected_annotations(panel) -> list[Annotation]:
    """The marks selected in the annotation table (every selected row, or the current one)."""
    if panel is None:
        return []
    rows = panel.table.selectionModel().selectedRows() if panel.table.selectionModel() else []
    anns = [panel.model.annotation_at(panel.proxy.mapToSource(i).row()) for i in rows]
    anns = [a for a in anns if a is not None]
    if not anns and panel.current_annotation() is not None:
        anns = [panel.current_annotation()]
    return anns


def link_selected(session, panel, parent) -> LinkDialog | None:
    """Edit > Link selected marks as one event (returns the dialog when one is shown)."""
    if session is None:
        return None
    if session.readonly:
        session.error.emit("This case is open read-only; nothing was changed.")
        return None
    anns = selected_annotations(panel)
    if not anns:
        session.message.emit("Select a mark first (click it in the table).")
        return None
    if len(anns) > 1:
        session.core.link([a.id for a in anns])
        return None
    # One mark: offer the others; window-modal, so the video's clock and workers keep running.
    dialog = LinkDialog(parent, session.store, anns[0])
    dialog.setWindowModality(Qt.WindowModality.WindowModal)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.accepted.connect(lambda: session.core.link(dialog.chosen_ids()))
    dialog.open()
    return dialog


def unlink_selected(session, panel) -> None:
    """Edit > Unlink mark from its event."""
    anns = selected_annotations(panel)
    if session is not None and anns:
        session.core.unlink(anns[0].id)
