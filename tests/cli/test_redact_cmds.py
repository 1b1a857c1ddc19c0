"""bwv-review redact / redactions / export --format mp4, as a script runs them (real processes)."""

from __future__ import annotations

import hashlib
import json

import pytest
from docx import Document
from pypdf import PdfReader

from tests.core.redact.clips import luma_frames, rms, sound, write_textured


def _make_case(cli, folder):
    footage = write_textured(folder / "AB-1.mp4", frames=50, fps=25)
    path = folder / "case.bwvcase"
    for args in (
        ("new", path, "--title", "Operation Example", "--reference", "IOPC 2019/0001", "--reviewer", "Jo Bloggs"),
        ("add", path, footage, "--exhibit", "AB/1", "--start", "2019-07-01T23:34:55+01:00"),
    ):
        r = cli(*args)
        assert r.returncode == 0, r.stderr
    return path, footage


def _make_server_case(cli, folder, server, database):
    """The same case on a PostgreSQL server, made by its owner; the footage in this desktop's
    media folder for it; the commands then run as a reviewer's own role."""
    from tests.pgcases import REVIEWERS_ROLE

    footage = write_textured(folder / "AB-1.mp4", frames=50, fps=25)
    owner = server.url(database)
    for args in (
        ("new", owner, "--title", "Operation Example", "--reference", "IOPC 2019/0001", "--reviewer", "Jo Bloggs",
         "--reviewers-role", REVIEWERS_ROLE),
        ("media-root", "--case", owner, folder),
        ("add", owner, footage, "--exhibit", "AB/1", "--start", "2019-07-01T23:34:55+01:00", "--reviewer", "Jo Bloggs"),
    ):
        r = cli(*args)
        assert r.returncode == 0, r.stderr
    return server.url(database, "reviewer_a"), footage


@pytest.fixture(params=["file", pytest.param("server", marks=pytest.mark.pg)])
def case(request, cli, tmp_path):
    """(case file or server case address, footage): every command here runs on both engines."""
    if request.param == "file":
        return _make_case(cli, tmp_path)
    return _make_server_case(cli, tmp_path, request.getfixturevalue("pg_server"),
                             request.getfixturevalue("pg_database"))


@pytest.fixture(scope="module")
def refusing_case(tmp_path_factory):
    from tests.cli.conftest import Cli

    return _make_case(Cli(), tmp_path_factory.mktemp("refusing"))[0]


def _audit(path) -> list[dict]:
    from bwv_review.core.cases import open_case

    with open_case(str(path), readonly=True) as store:
        return store.audit_rows()


def _listed(cli, path) -> list[dict]:
    r = cli("redactions", path, "--exhibit", "AB/1", "--json")
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def test_redact_box_audio_and_list(cli, case):
    path, _ = case
    r = cli("redact", path, "--exhibit", "AB/1", "--from", "0.4", "--to", "1.2", "--box", "40,60,64,48",
            "--to-box", "200,150,96,72", "--reason", "bystander", "--reviewer", "Jo Bloggs")
    assert r.returncode == 0, r.stderr
    assert "Added redaction 1 to exhibit AB/1: box 40,60,64,48 moving to 200,150,96,72" in r.stdout
    r = cli("redact", path, "--exhibit", "ab/1", "--from", "0.5", "--to", "0.9", "--audio", "--tone",
            "--reason", "address spoken")
    assert r.returncode == 0, r.stderr
    first, second = _listed(cli, path)
    assert first == first | {"id": 1, "exhibit": "AB/1", "kind": "picture", "start_ms": 400, "end_ms": 1200,
                             "shape": "box", "style": "pixelate", "status": "confirmed", "reason": "bystander",
                             "reviewer": "Jo Bloggs", "keyframes": [[400, 40, 60, 64, 48], [1200, 200, 150, 96, 72]]}
    assert second["kind"] == "sound" and second["audio"] == "tone" and second["reviewer"] == "Test Reviewer"
    text = cli("redactions", path, "--exhibit", "AB/1").stdout
    assert "00:00:00.400 to 00:00:01.200  confirmed  box 40,60,64,48" in text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--from", "1", "--to", "0.5", "--box", "1,1,5,5"), "cannot end before it starts"),
        (("--from", "0", "--to", "1", "--box", "1,1,0,5"), "no area"),
        (("--from", "0", "--to", "1", "--box", "900,1,5,5"), "outside the picture"),
        (("--from", "9", "--to", "10", "--box", "1,1,5,5"), "past the end"),
        # A typed --to past the end is refused as `annotate` refuses it, never clamped to the end.
        (("--from", "0", "--to", "2.5", "--box", "1,1,5,5"),
         "bwv-review: End 00:00:02.500 is past the end of exhibit AB/1 (00:00:02.000 long).\n"),
        (("--from", "0", "--to", "2.001", "--audio"),
         "bwv-review: End 00:00:02.001 is past the end of exhibit AB/1 (00:00:02.000 long).\n"),
        (("--from", "0", "--to", "2.5", "--faces"),
         "bwv-review: End 00:00:02.500 is past the end of exhibit AB/1 (00:00:02.000 long).\n"),
        (("--box", "1,1,5,5"), "--from and --to"),
        (("--from", "0", "--to", "1", "--audio", "--solid"), "for --box"),
        (("--from", "x", "--to", "1", "--audio"), "not understood"),
    ],
)
def test_bad_redactions_refused_with_a_sentence(cli, refusing_case, args, message):
    r = cli("redact", refusing_case, "--exhibit", "AB/1", *args)
    assert r.returncode == 2 and message in r.stderr and "Traceback" not in r.stderr
    assert r.stderr.count("\n") == 1 and r.stdout == ""  # one sentence, nothing said done
    assert "redaction" not in _audit_entities(refusing_case)


def _audit_entities(path):
    return {row["entity"] for row in _audit(path) if row["entity"]}


def test_copy_report_audit_and_verify(cli, case, tmp_path):
    path, footage = case
    source_hash = hashlib.sha256(footage.read_bytes()).hexdigest()
    for args in (("--from", "0", "--to", "1.96", "--box", "250,50,50,40", "--solid", "--reason", "screen"),
                 ("--from", "0.5", "--to", "0.9", "--audio", "--reason", "address spoken")):
        assert cli("redact", path, "--exhibit", "AB/1", *args).returncode == 0
    out = tmp_path / "AB-1 redacted.mp4"
    r = cli("export", path, "--format", "mp4", "--exhibit", "AB/1", "-o", out, "--burn-in")
    assert r.returncode == 0, r.stderr
    copy_hash = hashlib.sha256(out.read_bytes()).hexdigest()
    assert f"Wrote {out} (sha256 {copy_hash})" in r.stdout
    assert hashlib.sha256(footage.read_bytes()).hexdigest() == source_hash
    # The copy: same frames, the screen black, the address silent.
    times, frames = luma_frames(out)
    assert len(times) == 50
    assert all(f[50:90, 250:300].max() <= 46 for f in frames)
    rate, samples, first = sound(out)
    assert rms(samples, rate, first, 530, 870) < 1e-3
    # The report names both hashes and every redaction with its reason and reviewer.
    report = tmp_path / "AB-1 redacted disclosure report.docx"
    doc = Document(str(report))
    text = "\n".join(c.text for t in doc.tables for row in t.rows for c in row.cells)
    assert source_hash in text and copy_hash in text
    assert "screen" in text and "address spoken" in text and "Test Reviewer" in text
    assert "2019-07-01 23:34:55.500 to 23:34:55.900 BST" in text
    # The audit has the copy with its hashes and the snapshot of what was applied.
    (entry,) = [row for row in _audit(path) if row["action"] == "redaction.copy"]
    assert copy_hash in entry["detail"] and source_hash in entry["detail"]
    applied = json.loads(json.loads(entry["after"])["redactions"])
    assert [a["reason"] for a in applied] == ["screen", "address spoken"]
    r = cli("verify", path)
    assert r.returncode == 0 and "1 redacted copy still here checked" in r.stdout
    # A copy changed afterwards is caught; one taken away is only noted.
    out.write_bytes(out.read_bytes()[:-1] + b"\0")
    r = cli("verify", path)
    assert r.returncode == 1 and "has changed since it was made" in r.stdout
    out.unlink()
    r = cli("verify", path)
    assert r.returncode == 0 and "not here any more" in r.stdout


def test_suggestions_left_out_until_confirmed_and_pdf_report(cli, case, tmp_path):
    path, _ = case
    assert cli("redact", path, "--exhibit", "AB/1", "--from", "0", "--to", "1", "--box", "10,60,40,40",
               "--solid").returncode == 0
    # A suggestion, as a face scan would add it (the scan itself is test_faces'): through
    # the same audited path, status suggested.
    from bwv_review.core.cases import open_case
    from bwv_review.core.redact import model, records

    with open_case(str(path), actor="machine") as store:
        ex = store.exhibit("AB/1")
        records.add(store, model.picture(ex.id, 0, 1900, model.Box(150, 60, 40, 40), status="suggested",
                                         source="faces:centerface", style="solid"), "machine", "redaction.suggest")
    out = tmp_path / "copy.mp4"
    r = cli("export", path, "--format", "mp4", "--exhibit", "AB/1", "-o", out, "--report", tmp_path / "r.pdf")
    assert r.returncode == 0, r.stderr
    assert "1 suggested redaction(s) not yet confirmed were left out" in r.stderr
    _, frames = luma_frames(out)
    assert frames[3][60:100, 150:190].max() > 150  # the texture is still there
    assert frames[3][60:100, 10:50].max() <= 46
    pdf = "".join(page.extract_text() for page in PdfReader(tmp_path / "r.pdf").pages)
    assert "Redactions applied (1)" in pdf
    assert cli("redactions", path, "--exhibit", "AB/1", "--confirm", "2").returncode == 0
    r = cli("export", path, "--format", "mp4", "--exhibit", "AB/1", "-o", out)
    assert r.returncode == 2 and "already exists" in r.stderr
    r = cli("export", path, "--format", "mp4", "--exhibit", "AB/1", "-o", out, "--force")
    assert r.returncode == 0, r.stderr
    _, frames = luma_frames(out)
    assert frames[3][60:100, 150:190].max() <= 46
    assert cli("redactions", path, "--exhibit", "AB/1", "--delete", "1").returncode == 0
    assert [r["id"] for r in _listed(cli, path)] == [2]
    assert cli("verify", path).returncode == 0


def test_no_copy_from_changed_footage(cli, case, tmp_path):
    path, footage = case
    data = bytearray(footage.read_bytes())
    data[-100] ^= 0xFF
    footage.write_bytes(bytes(data))
    out = tmp_path / "copy.mp4"
    r = cli("export", path, "--format", "mp4", "--exhibit", "AB/1", "-o", out)
    assert r.returncode == 2 and "has changed since it was added" in r.stderr
    assert not out.exists() and not (tmp_path / "copy disclosure report.docx").exists()
    r = cli("export", path, "--format", "mp4", "-o", out)
    assert r.returncode == 2 and "--exhibit" in r.stderr


def test_redactions_from_the_command_line_are_changes_bwv_review_undo_takes_back(cli, case):
    path, _ = case
    assert cli("redact", path, "--exhibit", "AB/1", "--from", "0.4", "--to", "1.2", "--box", "40,60,64,48").returncode == 0
    assert cli("redact", path, "--exhibit", "AB/1", "--from", "0.5", "--to", "0.9", "--audio").returncode == 0
    assert cli("redactions", path, "--exhibit", "AB/1", "--delete", "1").returncode == 0
    r = cli("undo", path)
    assert r.returncode == 0, r.stderr
    assert "redaction.delete" in r.stdout and "redaction 1 now box 40,60,64,48" in r.stdout
    r = cli("undo", path)
    assert r.returncode == 0 and "redaction 2 removed" in r.stdout, r.stderr
    assert [x["id"] for x in _listed(cli, path)] == [1]
    actions = [row["action"] for row in _audit(path) if row["action"].startswith("redaction")]
    assert actions == ["redaction.add", "redaction.add", "redaction.delete", "redaction.undo-delete",
                       "redaction.undo-add"]
    assert all("change " in row["detail"] for row in _audit(path) if row["action"].startswith("redaction"))


def test_the_disclosure_report_is_checked_too(cli, tmp_path):
    """The report's SHA-256 is recorded (and audited) with its copy: one byte of it changed is
    caught naming it, the report taken away is noted, and its recorded hash edited with sqlite3
    is caught as a record changed outside the app."""
    import sqlite3

    path, _ = _make_case(cli, tmp_path)
    assert cli("redact", path, "--exhibit", "AB/1", "--from", "0", "--to", "1", "--box", "10,60,40,40").returncode == 0
    out, report = tmp_path / "copy.mp4", tmp_path / "r.pdf"
    r = cli("export", path, "--format", "mp4", "--exhibit", "AB/1", "-o", out, "--report", report)
    assert r.returncode == 0, r.stderr
    good = report.read_bytes()
    (entry,) = [row for row in _audit(path) if row["action"] == "redaction.copy"]
    assert json.loads(entry["after"])["report_sha256"] == hashlib.sha256(good).hexdigest()
    r = cli("verify", path)
    assert r.returncode == 0 and "1 disclosure report still here checked against its SHA-256." in r.stdout
    changed = bytearray(good)
    changed[len(changed) // 2] ^= 0x01
    report.write_bytes(bytes(changed))
    r = cli("verify", path)
    assert r.returncode == 1
    assert (f"- The disclosure report of redacted copy 1 ({report}) has changed since it was written "
            "(SHA-256 no longer matches).") in r.stdout
    report.unlink()
    r = cli("verify", path)
    assert r.returncode == 0, r.stdout
    assert ("The disclosure report of redacted copy 1 (r.pdf) is not here any more (handed over or moved); "
            "it was not checked.") in r.stdout
    report.write_bytes(bytes(changed))
    attacker = sqlite3.connect(path)  # make the record agree with the changed report
    attacker.execute("UPDATE redacted_copy SET report_sha256 = ?", [hashlib.sha256(changed).hexdigest()])
    attacker.commit()
    attacker.close()
    r = cli("verify", path)
    assert r.returncode == 1 and "- Redacted_copy 1 was changed outside the app (report_sha256)." in r.stdout
