"""Subcommands about footage files themselves: info (and still, in the footage engine)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from ..core.integrity import sha256_file
from ..core.media import probe
from ..core.timecode import format_ms
from .common import StderrProgress


def register(sub) -> None:
    p = sub.add_parser("info", help="what a footage file holds (decoded, exact), and its SHA-256")
    p.add_argument("footage")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_info)


def cmd_info(args) -> int:
    path = Path(args.footage)
    info = probe(path)
    data = info.as_json()
    data["sha256"] = sha256_file(path, progress=StderrProgress(f"Hashing {path.name}"))
    if args.json:
        json.dump(data, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        return 0
    rows = [
        ("File", str(path)),
        ("Duration", f"{format_ms(info.duration_ms)} ({info.duration_ms} ms)"),
        ("Frames", f"{info.frame_count} (average {info.fps:g} fps)"),
        ("Picture", f"{info.width}x{info.height} {info.codec}" + (f", rotated {info.rotation}°" if info.rotation else "")),
        ("Sound", "yes" if info.has_audio else "no audio track"),
        ("Created", info.creation_time or "not recorded in the file"),
        ("SHA-256", data["sha256"]),
    ]
    for label, value in rows:
        print(f"{label + ':':<10} {value}")
    return 0
