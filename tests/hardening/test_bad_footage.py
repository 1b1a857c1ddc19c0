"""Bad footage is refused with one clear sentence, quickly, and never becomes an exhibit."""

import json
import subprocess
import sys
import time

import pytest

from bwv_review.core.errors import FootageError
from bwv_review.core.media import probe
from tests.hardening.corpus import BAD_NAMES


@pytest.mark.parametrize("name", BAD_NAMES)
def test_probe_refuses(bad_files, name):
    started = time.monotonic()
    with pytest.raises(FootageError) as err:
        probe(bad_files[name])
    assert time.monotonic() - started < 10
    message = str(err.value)
    assert "\n" not in message and message.endswith(".")


def _run(*args):
    return subprocess.run([sys.executable, "-m", "bwv_review", *map(str, args)],
                          capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("name", BAD_NAMES)
def test_cli_info_add_still_refuse(bad_files, name, case):
    path = bad_files[name]
    n_exhibits = len(case.exhibits())
    for argv in (["info", path], ["add", case.path, path, "--exhibit", "ZZ/1"],
                 ["still", path, "--at", "0", "-o", path.parent / f"{name}.png"]):
        r = _run(*argv)
        assert r.returncode == 2, (argv, r.stdout, r.stderr)
        assert r.stderr.startswith("bwv-review: ") and "Traceback" not in r.stderr
        assert r.stderr.count("\n") == 1
    assert not (path.parent / f"{name}.png").exists()
    assert len(case.exhibits()) == n_exhibits
    assert json.loads(_run("list", case.path, "--json").stdout) == []
