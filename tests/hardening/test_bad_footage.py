"""Bad footage is refused with one clear sentence, quickly, and never becomes an exhibit."""

import json
import time

import pytest

from bwv_review import cli
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


def _run(capsys, *args):
    """The CLI in this process (a real-process run of the same commands is in tests/cli)."""
    code = cli.run([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("name", BAD_NAMES)
def test_cli_info_add_still_refuse(bad_files, name, case, capsys):
    path = bad_files[name]
    n_exhibits = len(case.exhibits())
    for argv in (["info", path], ["add", case.path, path, "--exhibit", "ZZ/1"],
                 ["still", path, "--at", "0", "-o", path.parent / f"{name}.png"]):
        code, _, err = _run(capsys, *argv)
        assert code == 2, (argv, err)
        assert err.startswith("bwv-review: ") and "Traceback" not in err
        assert err.count("\n") == 1
    assert not (path.parent / f"{name}.png").exists()
    assert len(case.exhibits()) == n_exhibits
    code, out, _ = _run(capsys, "list", case.path, "--json")
    assert json.loads(out) == []
