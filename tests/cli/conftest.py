import subprocess
import sys

import pytest


class Cli:
    """Runs ``bwv-review`` in a real process: exit codes, stdout and stderr as a script sees them."""

    def __call__(self, *args, input=None, cwd=None):
        return subprocess.run(
            [sys.executable, "-m", "bwv_review", *map(str, args)],
            capture_output=True, text=True, input=input, cwd=cwd, timeout=60, encoding="utf-8",
        )


@pytest.fixture
def cli():
    return Cli()
