"""Stand-ins used only while a collaborator's widget is missing from the checkout.

The window codes against the TimelineWidget API; until bwv_review.ui.timeline exists it
shows this quiet strip instead, so the rest of the workspace can be used and tested.
"""

from __future__ import annotations

from collections import namedtuple

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel

Marker = namedtuple("Marker", "annotation_id start_ms end_ms colour label")


class PlaceholderTimeline(QLabel):
    seekRequested = Signal(int)
    markerClicked = Signal(int)
    intervalEdited = Signal(int, int, int)
    redactionClicked = Signal(int)

    def __init__(self, parent=None):
        super().__init__("Timeline (waveform, speech, marks and coverage) is not available in this build.", parent)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setMinimumHeight(40)
        self.markers: list = []
        self.coverage: dict = {}
        self.regions: list = []

    def set_duration(self, ms: int) -> None:
        pass

    def set_position(self, ms: int) -> None:
        pass

    def load_audio(self, path, sha256=None) -> None:
        pass

    def set_speech_regions(self, regions) -> None:
        self.regions = list(regions)

    def clear(self) -> None:
        self.markers, self.coverage, self.regions = [], {}, []

    def set_markers(self, markers) -> None:
        self.markers = list(markers)

    def set_coverage(self, coverage: dict) -> None:
        self.coverage = dict(coverage)

    def set_redactions(self, spans, selected=None) -> None:
        pass


def timeline_classes():
    """(TimelineWidget, Marker): the real ones when present, else these stand-ins."""
    try:
        from .timeline import Marker as RealMarker
        from .timeline import TimelineWidget
    except ImportError:
        return PlaceholderTimeline, Marker
    return TimelineWidget, RealMarker
