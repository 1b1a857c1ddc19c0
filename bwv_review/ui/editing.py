"""The selected mark, in the table and the editor, bound to the review session.

The session owns the selection (one writer); the table and the editor show it and report
what the reviewer does there. The editor's "Set to current position" buttons work only
for a mark on the exhibit on screen: the position shown is a time in that footage alone.
"""

from __future__ import annotations

from PySide6.QtCore import QObject

from .review import ReviewSession


class EditingBinding(QObject):
    def __init__(self, session: ReviewSession, screen, editor, panel, focus_video):
        super().__init__(session)
        self.session, self.core = session, session.core
        self.screen, self.editor, self.panel = screen, editor, panel
        self.focus_video = focus_video
        editor.set_categories(sorted(self.core.categories.values(), key=lambda c: (c.position, c.id)))
        self._speakers = {a.speaker for a in self.core.annotations.values() if a.speaker}
        editor.set_speakers(sorted(self._speakers, key=str.casefold))
        editor.set_annotation(None)
        panel.refresh_choices()
        core = self.core
        self._links = [
            (session.selectionChanged, self._show),
            (session.exhibitOpened, self._exhibit_opened),
            (session.changed, self._changed),
            (panel.selected, self._picked),
            (panel.activated, self._activated),
            (editor.editRequested, core.edit),
            (editor.wordsTyped, core.type_words),
            (editor.wordsLeft, core.commit_words),
            (editor.confirmed, self._confirmed),
            (editor.setStartToCurrent, screen.set_start_here),
            (editor.setEndToCurrent, screen.set_end_here),
            (editor.deleteRequested, core.delete),
        ]
        for signal, slot in self._links:
            signal.connect(slot)

    def close(self) -> None:
        for signal, slot in self._links:
            signal.disconnect(slot)
        self._links = []
        self.editor.set_annotation(None)

    # -- session -> views ---------------------------------------------------------------------
    def _show(self, ann) -> None:
        self.editor.set_annotation(ann, self.core.words_for(ann.id) if ann is not None else None)
        self._allow_position()
        current = self.panel.current_annotation()
        if ann is not None and (current is None or current.id != ann.id):
            self.panel.select_annotation(ann.id)
        elif ann is None and current is not None:
            self.panel.table.clearSelection()
            self.panel.table.setCurrentIndex(self.panel.proxy.index(-1, -1))

    def _allow_position(self) -> None:
        ann, ex = self.core.selected, self.core.exhibit
        if ann is None:
            return
        mine = self.core.exhibits.get(ann.exhibit_id)
        allowed = ex is not None and ann.exhibit_id == ex.id
        why = (f"This mark is on exhibit {mine.ref if mine else '?'}; open that exhibit (double-click the mark) "
               "to set its times from the video")
        self.editor.set_position_allowed(allowed, why)

    def _exhibit_opened(self, _exhibit) -> None:
        self._allow_position()

    def _changed(self, change) -> None:
        if change.categories():
            self.editor.set_categories(sorted(self.core.categories.values(), key=lambda c: (c.position, c.id)))
        sel = self.core.selected
        if sel is not None and sel.id in change.annotations():
            self.editor.set_annotation(sel, self.core.words_for(sel.id))  # keeps words being typed
        anns = change.annotations()
        speakers = self._speakers
        new_speaker = any(a is None or (a.speaker and a.speaker not in speakers) for a in anns.values())
        if new_speaker or change.categories() or change.exhibits() or (anns and change.outside):
            # Worked out again only when the lists can differ: a case may hold 100,000 marks.
            self._speakers = {a.speaker for a in self.core.annotations.values() if a.speaker}
            self.editor.set_speakers(sorted(self._speakers, key=str.casefold))
            self.panel.refresh_choices()
        if sel is not None:
            current = self.panel.current_annotation()
            if current is None or current.id != sel.id:  # its row moved: keep it selected
                self.panel.select_annotation(sel.id)

    # -- views -> session ---------------------------------------------------------------------
    def _picked(self, ann) -> None:
        if self.session.applying:
            return  # rows moving under the selection for a change set: not the reviewer's choice
        self.core.select(ann.id if ann is not None else None)

    def _activated(self, ann) -> None:
        self.screen.go_to(ann)
        self.focus_video()

    def _confirmed(self) -> None:
        self.focus_video()
        self.screen.words_confirmed()
