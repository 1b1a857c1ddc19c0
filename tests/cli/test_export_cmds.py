"""bwv-review export / import as scripts and QA use them (a real process, exit codes)."""

from __future__ import annotations

import csv
import io
import json

import pytest

from tests.footage import write_clip


@pytest.fixture(scope="module")
def other_clip(tmp_path_factory):
    return write_clip(tmp_path_factory.mktemp("footage-b") / "CD-1 clip.mp4", frames=75, fps=25, audio=True)


@pytest.fixture
def cli_case(cli, footage_copy):
    path = footage_copy.parent / "case.bwvcase"
    for args in (
        ("new", path, "--title", "Operation Example", "--reference", "IOPC 2019/0001", "--reviewer", "Jo Bloggs"),
        ("add", path, footage_copy, "--exhibit", "AB/1", "--wearer", "PC 1", "--start", "2019-07-01T23:34:55+01:00"),
        ("annotate", path, "--exhibit", "AB/1", "--at", "00:00:01.250", "--category", "disclosure",
         "--speaker", "female", "--text", "He strangled me.", "--status", "verified"),
        ("annotate", path, "--exhibit", "AB/1", "--at", "0.5", "--end", "0.9", "--category", "other",
         "--text", "=cmd|' /C calc'!A0"),
    ):
        r = cli(*args)
        assert r.returncode == 0, r.stderr
    return path


def test_export_every_format(cli, cli_case, tmp_path):
    for fmt in ("docx", "pdf", "html", "csv", "xlsx", "json", "srt", "vtt", "eaf"):
        out = tmp_path / f"out.{fmt}"
        r = cli("export", cli_case, "--format", fmt, "-o", out)
        assert r.returncode == 0, r.stderr
        assert out.is_file() and f"Wrote {out}" in r.stdout
    rows = list(csv.DictReader(io.StringIO((tmp_path / "out.csv").read_text("utf-8-sig"))))
    assert [r["Text"] for r in rows] == ["'=cmd|' /C calc'!A0", "He strangled me."]
    html = (tmp_path / "out.html").read_text("utf-8")
    assert 'At 23:34:56 (00:00:01.250 into exhibit AB/1) the female says: &quot;' in html


def test_export_refuses_to_overwrite_then_force(cli, cli_case, tmp_path):
    out = tmp_path / "s.pdf"
    out.write_bytes(b"keep me")
    r = cli("export", cli_case, "--format", "pdf", "-o", out)
    assert r.returncode == 2 and "already exists" in r.stderr and "Traceback" not in r.stderr
    assert out.read_bytes() == b"keep me"
    r = cli("export", cli_case, "--format", "pdf", "-o", out, "--force")
    assert r.returncode == 0 and out.read_bytes().startswith(b"%PDF")


def test_same_generated_time_same_bytes(cli, cli_case, tmp_path):
    for name in ("a.docx", "b.docx"):
        r = cli("export", cli_case, "-f", "docx", "-o", tmp_path / name, "--generated", "2019-08-01T09:30:00Z")
        assert r.returncode == 0, r.stderr
    assert (tmp_path / "a.docx").read_bytes() == (tmp_path / "b.docx").read_bytes()


def test_filters_and_drafts(cli, cli_case, tmp_path):
    r = cli("export", cli_case, "-f", "json", "-o", tmp_path / "d.json", "--status", "draft", "disputed",
            "--category", "other", "advice")
    assert r.returncode == 0, r.stderr
    data = json.loads((tmp_path / "d.json").read_text("utf-8"))
    assert [a["status"] for a in data["annotations"]] == ["draft"]
    r = cli("export", cli_case, "-f", "html", "-o", tmp_path / "d.html", "--include-drafts")
    assert "UNVERIFIED (draft)" in (tmp_path / "d.html").read_text("utf-8")
    r = cli("export", cli_case, "-f", "csv", "-o", tmp_path / "x.csv", "--category", "nonsense")
    assert r.returncode == 2 and "No category 'nonsense'" in r.stderr
    r = cli("export", cli_case, "-f", "csv", "-o", tmp_path / "x.csv", "--exhibit", "ZZ/9")
    assert r.returncode == 2 and "No exhibit" in r.stderr
    assert not (tmp_path / "x.csv").exists()


def test_hash_mismatch_warns_on_stderr_and_in_the_file(cli, cli_case, footage_copy, tmp_path):
    with footage_copy.open("r+b") as handle:
        handle.seek(-1, 2)
        last = handle.read(1)
        handle.seek(-1, 2)
        handle.write(bytes([last[0] ^ 0xFF]))
    r = cli("export", cli_case, "-f", "html", "-o", tmp_path / "s.html")
    assert r.returncode == 0
    assert "WARNING" in r.stderr and "SHA-256 no longer matches" in r.stderr
    assert "does NOT match" in (tmp_path / "s.html").read_text("utf-8")


def test_import_round_trip_and_refusal(cli, cli_case, tmp_path, other_clip):
    second = cli_case.parent / "CD-1.mp4"
    second.write_bytes(other_clip.read_bytes())
    assert cli("add", cli_case, second, "--exhibit", "CD/1").returncode == 0
    r = cli("export", cli_case, "-f", "eaf", "-o", tmp_path / "ab.eaf", "--exhibit", "AB/1")
    assert r.returncode == 0, r.stderr
    r = cli("import", cli_case, tmp_path / "ab.eaf", "--exhibit", "CD/1", "--reviewer", "Second")
    assert r.returncode == 0, r.stderr
    assert "Imported 2 annotation(s) from ab.eaf" in r.stdout and "2 annotation(s) into exhibit CD/1" in r.stdout
    listed = json.loads(cli("list", cli_case, "--json", "--exhibit", "CD/1").stdout)
    assert [(a["start_ms"], a["end_ms"], a["text"], a["status"]) for a in listed] == [
        (500, 900, "=cmd|' /C calc'!A0", "draft"), (1250, None, "He strangled me.", "verified")]
    bad = tmp_path / "bad.csv"
    bad.write_text("Text,File time start\nfine,00:00:00.100\nbroken,soon\n", encoding="utf-8")
    r = cli("import", cli_case, bad, "--exhibit", "CD/1")
    assert r.returncode == 2 and "row 3" in r.stderr and "nothing was added" in r.stderr
    assert len(json.loads(cli("list", cli_case, "--json", "--exhibit", "CD/1").stdout)) == 2
    assert cli("verify", cli_case).returncode == 0


def test_export_format_from_the_file_name(cli, cli_case, tmp_path):
    r = cli("export", cli_case, "-o", tmp_path / "statement.pdf")
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "statement.pdf").read_bytes().startswith(b"%PDF")
    r = cli("export", cli_case, "-o", tmp_path / "statement.docx", "--format", "pdf")
    assert r.returncode == 2 and "ends in .docx but --format is pdf" in r.stderr
    r = cli("export", cli_case, "-o", tmp_path / "statement.txt")
    assert r.returncode == 2 and "Give --format" in r.stderr and "Traceback" not in r.stderr
    assert not (tmp_path / "statement.docx").exists() and not (tmp_path / "statement.txt").exists()


@pytest.mark.parametrize("fmt", ["eaf", "srt", "vtt"])
def test_one_exhibit_per_file_formats_never_pick_names_silently(cli, cli_case, tmp_path, other_clip, fmt):
    second = cli_case.parent / "CD-1.mp4"
    second.write_bytes(other_clip.read_bytes())
    assert cli("add", cli_case, second, "--exhibit", "CD/1").returncode == 0
    r = cli("export", cli_case, "-o", tmp_path / f"review.{fmt}")
    assert r.returncode == 2 and "holds one exhibit and this case has 2 (AB/1, CD/1)" in r.stderr
    assert list(tmp_path.glob(f"*.{fmt}")) == []
    folder = tmp_path / "per-exhibit"
    folder.mkdir()
    r = cli("export", cli_case, "-o", folder, "--format", fmt)
    assert r.returncode == 0, r.stderr
    assert sorted(p.name for p in folder.iterdir()) == [f"AB-1.{fmt}", f"CD-1.{fmt}"]
    assert f"Wrote {folder / ('AB-1.' + fmt)}" in r.stdout
    r = cli("export", cli_case, "-o", tmp_path / f"ab.{fmt}", "--exhibit", "AB/1")
    assert r.returncode == 0 and (tmp_path / f"ab.{fmt}").is_file()


def test_import_a_whole_case_json_without_naming_an_exhibit(cli, cli_case, tmp_path):
    r = cli("export", cli_case, "-o", tmp_path / "all.json")
    assert r.returncode == 0, r.stderr
    r = cli("import", cli_case, tmp_path / "all.json", "--reviewer", "Second")
    assert r.returncode == 0, r.stderr
    assert "Imported 2 annotation(s) from all.json:" in r.stdout and "2 annotation(s) into exhibit AB/1" in r.stdout
    assert len(json.loads(cli("list", cli_case, "--json").stdout)) == 4
