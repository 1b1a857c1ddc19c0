"""Nothing in the copy says which camera, whose, or where: checked with ffprobe and exiftool."""

from __future__ import annotations

import json
import re
import shutil
import subprocess

import pytest

from bwv_review.core.redact.copy import write_copy

FFMPEG, FFPROBE, EXIFTOOL = (shutil.which(n) for n in ("ffmpeg", "ffprobe", "exiftool"))
SECRETS = ("Axon", "X60123456", "PC1234", "51.5074", "Body 3", "2019:07:01", "2019-07-01")
NEUTRAL_TAGS = {"major_brand", "minor_version", "compatible_brands", "encoder", "language", "handler_name", "vendor_id"}

pytestmark = pytest.mark.skipif(FFMPEG is None or FFPROBE is None, reason="needs ffmpeg and ffprobe")


@pytest.fixture(scope="module")
def telltale(tmp_path_factory):
    """Footage that gives itself away: GPS, make and model, serials in titles and handler
    names, a creation time, a timecode track and a second sound track."""
    target = tmp_path_factory.mktemp("meta") / "camera.mp4"
    subprocess.run(
        [FFMPEG, "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25:duration=2",
         "-f", "lavfi", "-i", "sine=f=440:d=2", "-f", "lavfi", "-i", "sine=f=880:d=2",
         "-map", "0:v", "-map", "1:a", "-map", "2:a", "-c:v", "libx264", "-preset", "veryfast", "-c:a", "aac",
         "-timecode", "23:34:55:00", "-metadata", "creation_time=2019-07-01T22:34:55Z",
         "-metadata", "location=+51.5074-000.1278/", "-metadata", "make=Axon", "-metadata", "model=Body 3",
         "-metadata", "title=X60123456 PC1234", "-metadata", "comment=serial X60123456",
         "-metadata:s:v:0", "handler_name=Axon Body 3 X60123456", "-metadata:s:a:0", "handler_name=Axon mic",
         "-movflags", "use_metadata_tags", str(target)],
        check=True,
    )
    return target


def test_source_really_carries_the_details(telltale):
    data = telltale.read_bytes()
    assert all(s.encode() in data for s in ("Axon", "X60123456", "51.5074"))


def test_copy_keeps_one_picture_and_one_sound_stream_and_no_tags(telltale, tmp_path):
    out = tmp_path / "copy.mp4"
    result = write_copy(telltale, out, [])
    assert result.dropped == ["stream 2 (audio, aac)", "stream 3 (data)"]
    probe = json.loads(subprocess.run(
        [FFPROBE, "-v", "error", "-show_format", "-show_streams", "-of", "json", str(out)],
        check=True, capture_output=True, text=True).stdout)
    assert [(s["codec_type"], s["codec_name"]) for s in probe["streams"]] == [("video", "h264"), ("audio", "aac")]
    tags = dict(probe["format"].get("tags", {}))
    for stream in probe["streams"]:
        tags.update(stream.get("tags", {}))
    assert set(tags) <= NEUTRAL_TAGS
    assert tags["handler_name"] in ("VideoHandler", "SoundHandler")
    data = out.read_bytes()
    assert not [s for s in SECRETS if s.encode() in data]


@pytest.mark.skipif(EXIFTOOL is None, reason="needs exiftool (apt: libimage-exiftool-perl)")
def test_exiftool_finds_nothing_identifying(telltale, tmp_path):
    out = tmp_path / "copy.mp4"
    write_copy(telltale, out, [])

    def fields(path):
        text = subprocess.run([EXIFTOOL, "-j", "-a", "-G1", "-ee", str(path)], check=True,
                              capture_output=True, text=True).stdout
        return {k: v for k, v in json.loads(text)[0].items() if not k.startswith(("System:", "SourceFile"))}

    before, after = fields(telltale), fields(out)
    pattern = re.compile(r"gps|make|model|serial|location|title|comment|timecode", re.I)
    assert [k for k in before if pattern.search(k)]  # exiftool does see them in the original
    assert not [k for k in after if pattern.search(k)]
    assert not [k for k, v in after.items() if any(s in str(v) for s in SECRETS)]
    dates = [v for k, v in after.items() if k.endswith("Date")]
    assert dates and set(dates) == {"0000:00:00 00:00:00"}
