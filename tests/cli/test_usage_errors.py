"""Bad arguments: one sentence on stderr naming the command, what is wrong and where the
options are listed, exit 2, nothing on stdout (the house rule for bad input); --help as it was."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (("annotate", "c.bwvcase", "--exhibit", "AB/1", "--at", "1"),
         "bwv-review annotate: the following arguments are required: --category (see bwv-review annotate --help)."),
        (("list",), "bwv-review list: the following arguments are required: case (see bwv-review list --help)."),
        (("list", "c.bwvcase", "--frob"),
         "bwv-review list: unrecognized arguments: --frob (see bwv-review list --help)."),
        (("verify", "c.bwvcase", "extra"),
         "bwv-review verify: unrecognized arguments: extra (see bwv-review verify --help)."),
        (("annotate", "c.bwvcase", "--exhibit", "AB/1", "--at"),
         "bwv-review annotate: argument --at: expected one argument (see bwv-review annotate --help)."),
        (("annotate", "c.bwvcase", "--exhibit", "AB/1", "--at", "1", "--category", "x", "--status", "maybe"),
         "bwv-review annotate: argument --status: invalid choice: 'maybe' (choose from "),
        (("export", "c.bwvcase", "--format", "docz", "-o", "x"),
         "bwv-review export: argument --format/-f: invalid choice: 'docz' (choose from "),
        (("redact", "c.bwvcase", "--exhibit", "AB/1", "--box", "1,1,5,5", "--audio"),
         "bwv-review redact: argument --audio: not allowed with argument --box (see bwv-review redact --help)."),
        (("gui", "--frob"), "bwv-review gui: unrecognized arguments: --frob (see bwv-review gui --help)."),
    ],
)
def test_a_wrong_or_missing_argument_is_one_sentence(cli, tmp_path, args, said):
    work = tmp_path / "work"
    work.mkdir()
    r = cli(*args, cwd=work)
    assert r.returncode == 2 and r.stdout == ""
    assert r.stderr.startswith(said) and r.stderr.endswith("--help).\n") and r.stderr.count("\n") == 1
    assert "usage:" not in r.stderr and "Traceback" not in r.stderr
    assert list(work.iterdir()) == []  # nothing written


def test_help_is_argparses_own(cli):
    r = cli("annotate", "--help")
    assert r.returncode == 0 and r.stdout.startswith("usage: bwv-review annotate [-h] --exhibit REF --at TIME")
    assert "--category CATEGORY" in r.stdout and r.stderr == ""
