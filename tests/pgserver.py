"""A throwaway PostgreSQL server for tests, CI and benchmarks (Debian's postgresql package).

    python -m tests.pgserver start DIR     # prints: export BWV_TEST_PG_URL=...
    python -m tests.pgserver stop DIR

``initdb`` in a temporary folder, listening only on a Unix socket in that folder (so it
never collides with another server on the machine), trusting local connections. PostgreSQL
refuses to run as root: as root it runs as the ``postgres`` user the package made.
"""

from __future__ import annotations

import contextlib
import getpass
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import quote

PORT = 5433


def bin_dir() -> Path | None:
    base = Path("/usr/lib/postgresql")
    found = sorted((p for p in base.glob("*/bin/initdb") if p.parts[-3].isdigit()), key=lambda p: int(p.parts[-3]))
    if found:
        return found[-1].parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _as_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


class Cluster:
    """A server of our own: start, stop, crash (immediate stop) and start again."""

    def __init__(self, folder: Path | None = None, fsync: bool = False):
        self.bin = bin_dir()
        if self.bin is None:
            raise RuntimeError("PostgreSQL's initdb was not found (apt-get install postgresql)")
        self.folder = Path(folder) if folder else Path(tempfile.mkdtemp(prefix="bwvpg-", dir="/tmp"))
        self.data = self.folder / "data"
        self.user = "postgres" if _as_root() else getpass.getuser()
        self.fsync = fsync

    def _run(self, *args: str) -> subprocess.CompletedProcess:
        cmd = [str(self.bin / args[0]), *args[1:]]
        if _as_root():
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        return subprocess.run(cmd, capture_output=True, text=True, check=True, timeout=120)

    def init(self) -> None:
        if _as_root():
            shutil.chown(self.folder, "postgres")
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", self.user, "--no-sync", "-E", "UTF8",
                  "--locale=C.UTF-8")

    def start(self) -> Cluster:
        if not self.data.exists():
            self.init()
        opts = (f"-k {self.folder} -c listen_addresses='' -p {PORT} -c fsync={'on' if self.fsync else 'off'} "
                "-c max_connections=100 -c shared_buffers=32MB")
        self._run("pg_ctl", "-D", str(self.data), "-o", opts, "-w", "-t", "60", "-l", str(self.folder / "log"),
                  "start")
        return self

    def stop(self, mode: str = "fast") -> None:
        """``mode="immediate"``: the server dies at once, without a checkpoint, as in a crash."""
        with contextlib.suppress(subprocess.CalledProcessError):
            self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def url(self, database: str = "postgres", user: str | None = None) -> str:
        return f"postgresql://{user or self.user}@{quote(str(self.folder), safe='')}:{PORT}/{database}"

    def remove(self) -> None:
        self.stop("immediate")
        shutil.rmtree(self.folder, ignore_errors=True)


def main(argv: list[str]) -> int:
    action, folder = argv[0], Path(argv[1])
    folder.mkdir(parents=True, exist_ok=True)
    cluster = Cluster(folder, fsync=True)
    if action == "start":
        cluster.start()
        print(f"export BWV_TEST_PG_URL='{cluster.url()}'")
    else:
        cluster.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
