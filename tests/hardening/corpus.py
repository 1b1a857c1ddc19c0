"""A corpus of bad footage, made on the spot: what real disks and careless hands produce."""

from __future__ import annotations

import struct
from pathlib import Path

import av
import cv2
import numpy as np

from tests.footage import write_clip

BAD_NAMES = [
    "zero-bytes.mp4", "random-bytes.mp4", "text-named.mp4", "image-named.mp4", "photo-named.mp4",
    "moov-missing.mp4", "truncated-in-data.mp4", "header-only.mp4", "absurd-size.y4m",
    "zero-size.y4m", "audio-only.m4a", "folder.mp4", "truncated-faststart.mp4",
]


def _atoms(data: bytes) -> list[tuple[bytes, int, int]]:
    """Top-level MP4 boxes: (type, offset, size)."""
    out, pos = [], 0
    while pos + 8 <= len(data):
        size, kind = struct.unpack(">I4s", data[pos : pos + 8])
        if size == 1:
            size = struct.unpack(">Q", data[pos + 8 : pos + 16])[0]
        if size < 8:
            break
        out.append((kind, pos, size))
        pos += size
    return out


def make_corpus(folder: Path, good: Path) -> dict[str, Path]:
    """name -> path of a file that must be refused as footage."""
    folder.mkdir(parents=True, exist_ok=True)
    good_bytes = good.read_bytes()
    files: dict[str, Path] = {}

    def put(name: str, data: bytes) -> None:
        path = folder / name
        path.write_bytes(data)
        files[name] = path

    put("zero-bytes.mp4", b"")
    put("random-bytes.mp4", np.random.default_rng(1).integers(0, 256, 1_000_000, dtype=np.uint8).tobytes())
    put("text-named.mp4", ("This is a statement, not footage.\n" * 200).encode())
    ok, png = cv2.imencode(".png", np.full((120, 160, 3), 128, np.uint8))
    put("image-named.mp4", png.tobytes())
    ok, jpg = cv2.imencode(".jpg", np.full((120, 160, 3), 64, np.uint8))
    put("photo-named.mp4", jpg.tobytes())
    atoms = _atoms(good_bytes)
    moov = next((o, s) for k, o, s in atoms if k == b"moov")
    put("moov-missing.mp4", good_bytes[: moov[0]] + good_bytes[moov[0] + moov[1] :])
    mdat = next((o, s) for k, o, s in atoms if k == b"mdat")
    put("truncated-in-data.mp4", good_bytes[: mdat[0] + mdat[1] // 3])  # moov (at the end) is lost
    put("header-only.mp4", good_bytes[:64])
    put("absurd-size.y4m", b"YUV4MPEG2 W200000 H200000 F25:1 Ip A1:1 C420jpeg\nFRAME\n" + b"\x80" * 4096)
    put("zero-size.y4m", b"YUV4MPEG2 W0 H0 F25:1 Ip A1:1 C420jpeg\nFRAME\n" + b"\x80" * 4096)
    # audio only
    path = folder / "audio-only.m4a"
    with av.open(str(path), "w") as container:
        stream = container.add_stream("aac", rate=44100)
        stream.layout = "mono"
        for i in range(20):
            frame = av.AudioFrame.from_ndarray(np.zeros((1, 1024), np.float32), format="fltp", layout="mono")
            frame.sample_rate, frame.pts = 44100, i * 1024
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    files["audio-only.m4a"] = path
    folder_named = folder / "folder.mp4"
    folder_named.mkdir(exist_ok=True)
    files["folder.mp4"] = folder_named
    # faststart file (moov first) cut in the middle of its data: the index promises frames that are gone
    fast = folder / "_faststart.mp4"
    write_clip(fast, frames=50, fps=25)
    fb = fast.read_bytes()
    if _atoms(fb)[1][0] != b"moov":  # remux with moov first
        src = av.open(str(fast))
        dst_path = folder / "_fs2.mp4"
        dst = av.open(str(dst_path), "w", options={"movflags": "faststart"})
        out = dst.add_stream_from_template(src.streams.video[0])
        for packet in src.demux(src.streams.video[0]):
            if packet.dts is None:
                continue
            packet.stream = out
            dst.mux(packet)
        dst.close()
        src.close()
        fb = dst_path.read_bytes()
        dst_path.unlink()
    fast.unlink()
    put("truncated-faststart.mp4", fb[: len(fb) // 2])
    return files
