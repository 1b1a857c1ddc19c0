"""Ctrl+E: the dialog previews, refuses to overwrite silently, and writes the CLI's bytes."""

from datetime import UTC, datetime

import pytest

from bwv_review import cli
from bwv_review.core.model import Annotation
from bwv_review.ui.dialogs.export import ExportDialog

pytestmark = pytest.mark.gui

GENERATED = datetime(2019, 8, 1, 9, 30, tzinfo=UTC)


@pytest.fixture
def annotated(case):
    ex = case.exhibit("AB/1")
    for at, cat, text, status in [(400, "disclosure", "He strangled me.", "verified"),
                                  (900, "officer-remark", "=look at the state of her", "draft")]:
        case.add_annotation(Annotation(exhibit_id=ex.id, category_id=case.category(cat).id, start_ms=at,
                                       text=text, speaker="female", status=status), "Test Reviewer")
    return case


def _choose(dialog, fmt):
    dialog.format.setCurrentIndex(dialog.format.findData(fmt))


def _wait_idle(qtbot, dialog):
    qtbot.waitUntil(lambda: dialog.task is None and dialog.export_button.isEnabled() and dialog.pool.running() == 0,
                    timeout=30_000)


@pytest.mark.parametrize("fmt", ["csv", "docx", "eaf", "pdf"])
def test_export_writes_the_same_bytes_as_the_command_line(qtbot, annotated, tmp_path, capsys, fmt):
    dialog = ExportDialog(annotated)
    qtbot.addWidget(dialog)
    dialog.generated = GENERATED
    _choose(dialog, fmt)
    out = tmp_path / f"from-window.{fmt}"
    dialog.target.setText(str(out))
    with qtbot.waitSignal(dialog.exported, timeout=30_000) as blocker:
        dialog.export_button.click()
    assert blocker.args[0] == [out]
    code = cli.run(["export", str(annotated.path), "--format", fmt, "-o", str(tmp_path / f"from-cli.{fmt}"),
                    "--generated", GENERATED.isoformat()])
    capsys.readouterr()
    assert code == 0
    assert out.read_bytes() == (tmp_path / f"from-cli.{fmt}").read_bytes()
    _wait_idle(qtbot, dialog)


def test_preview_shows_the_statement_and_only_verified_quotes(qtbot, annotated):
    dialog = ExportDialog(annotated)
    qtbot.addWidget(dialog)
    _choose(dialog, "html")
    dialog.preview_button.click()
    qtbot.waitUntil(lambda: "He strangled me." in dialog.preview.toPlainText(), timeout=30_000)
    assert "look at the state of her" not in dialog.preview.toPlainText()
    _wait_idle(qtbot, dialog)
    dialog.drafts.setChecked(True)
    dialog.preview_button.click()
    qtbot.waitUntil(lambda: "look at the state of her" in dialog.preview.toPlainText(), timeout=30_000)
    assert "UNVERIFIED" in dialog.preview.toPlainText()
    _wait_idle(qtbot, dialog)


def test_existing_file_is_replaced_only_after_confirmation(qtbot, annotated, tmp_path, monkeypatch):
    dialog = ExportDialog(annotated)
    qtbot.addWidget(dialog)
    _choose(dialog, "csv")
    out = tmp_path / "log.csv"
    out.write_bytes(b"precious")
    dialog.target.setText(str(out))
    monkeypatch.setattr(dialog, "confirm_overwrite", lambda path: False)
    dialog.export_button.click()
    assert dialog.task is None and out.read_bytes() == b"precious"
    monkeypatch.setattr(dialog, "confirm_overwrite", lambda path: True)
    with qtbot.waitSignal(dialog.exported, timeout=30_000):
        dialog.export_button.click()
    assert "He strangled me." in out.read_text(encoding="utf-8-sig")
    _wait_idle(qtbot, dialog)


def test_changed_footage_is_warned_about(qtbot, annotated, footage_copy, tmp_path):
    footage_copy.write_bytes(footage_copy.read_bytes() + b"tampered")
    dialog = ExportDialog(annotated)
    qtbot.addWidget(dialog)
    _choose(dialog, "csv")
    dialog.target.setText(str(tmp_path / "log.csv"))
    with qtbot.waitSignal(dialog.exported, timeout=30_000):
        dialog.export_button.click()
    assert dialog.last_warnings and "AB/1" in dialog.last_warnings[0]
    assert "Warning" in dialog.message.text()
    _wait_idle(qtbot, dialog)
