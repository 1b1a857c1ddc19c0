"""Making a redacted copy of an exhibit for disclosure, as one chain of custody.

1. The footage is hashed and compared with the SHA-256 taken when it was added: a copy is
   only ever made from the footage as it was brought in.
2. The confirmed redactions (and suggestions only when asked for) are applied
   (``copy.write_copy``): frames and times verified, the file placed atomically, hashed.
3. The disclosure report (docx or pdf: what, where, when, why, by whom; both hashes) is
   written beside it.
4. The copy is recorded in the case, with a snapshot of the redactions applied, as one
   audited change (``operations.record_redacted_copy``; the change set comes back with it, so
   the window takes it in as its own). Should recording fail, the copy and report just written are removed:
   no copy leaves the building that the case does not know about.

Both front ends call ``make_copy``; the GUI runs it as a background task (progress, cancel).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from .. import operations
from ..changes import ChangeSet
from ..errors import ReviewError
from ..integrity import sha256_file
from ..store import CaseStore
from ..timecode import local, now_utc
from . import records
from .model import Redaction

REPORT_FORMATS = (".docx", ".pdf")


@dataclass
class Disclosure:
    copy: dict  # the redacted_copy row
    path: Path
    report: Path
    applied: list[Redaction]
    dropped_streams: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    change: ChangeSet | None = None  # the audited change that recorded it


def default_report_path(out: Path) -> Path:
    return out.with_name(f"{out.stem} disclosure report.docx")


def label_for(ref: str, when: datetime) -> str:
    return f"Redacted copy of {ref}, {when:%Y-%m-%d}"


def make_copy(
    store: CaseStore,
    exhibit_ref: str,
    out: Path | str,
    actor: str,
    include_suggested: bool = False,
    burn_in: bool = False,
    report: Path | str | None = None,
    force: bool = False,
    progress: Callable[[str, int, int], None] | None = None,
    cancel: Callable[[], bool] | None = None,
    generated: datetime | None = None,
) -> Disclosure:
    """The whole disclosure of one exhibit: verified source, copy, report, audited record.

    ``progress(stage, done, total)`` with stage "hash", "copy" or "check".
    """
    from ..footage import Footage  # noqa: PLC0415 - PyAV/numpy only when a copy is made
    from .copy import check_target, write_copy  # noqa: PLC0415

    out = Path(out)
    report_path = Path(report) if report else default_report_path(out)
    if report_path.suffix.lower() not in REPORT_FORMATS:
        raise ReviewError(f"The disclosure report {report_path.name} should end in .docx or .pdf.")
    if report_path.exists() and not force:
        raise ReviewError(f"{report_path} already exists; nothing was written. Choose another name, or replace "
                          "it (--force).")
    if store.readonly:
        raise ReviewError(f"Case file {store.path} is read-only; a copy must be recorded in it, so none was made.")
    check_target(out, force)
    exhibit = store.exhibit(exhibit_ref)
    stored_out, stored_report = records.stored_copy_path(store, out), records.stored_copy_path(store, report_path)
    source = store.footage_path(exhibit)
    if not source.is_file():
        raise ReviewError(f"Footage for exhibit {exhibit.ref} is missing (expected at {source}); no copy was made.")

    def stage(name):
        return None if progress is None else (lambda done, total: progress(name, done, total))

    digest = sha256_file(source, progress=stage("hash"), cancel=cancel)
    if digest != exhibit.sha256:
        raise ReviewError(
            f"Footage for exhibit {exhibit.ref} has changed since it was added (SHA-256 no longer matches); "
            "no copy was made. Run bwv-review verify."
        )
    chosen = [r for r in records.redactions(store, exhibit.id)
              if r.status == "confirmed" or (include_suggested and r.status == "suggested")]
    warnings = []
    waiting = sum(r.status == "suggested" for r in records.redactions(store, exhibit.id)) if not include_suggested else 0
    if waiting:
        warnings.append(f"{waiting} suggested redaction(s) not yet confirmed were left out of the copy.")
    if not chosen:
        warnings.append(f"Exhibit {exhibit.ref} has no redactions to apply: the copy only strips its metadata.")
    when = generated or now_utc()
    label = label_for(exhibit.ref, local(when, store.case().timezone)) if burn_in else None
    result = write_copy(Footage.shared(source, exhibit.sha256), out, chosen, label=label, force=force, progress=stage("copy"), cancel=cancel)
    written = [out]
    try:
        row = {
            "exhibit_id": exhibit.id,
            "path": stored_out,
            "sha256": result.sha256,
            "size": out.stat().st_size,
            "source_sha256": digest,
            "frames": result.frames,
            "duration_ms": result.duration_ms,
            "redactions": records.snapshot(chosen),
            "label": label,
            "settings": json.dumps(_settings(result, include_suggested), sort_keys=True),
            "made": when.isoformat(timespec="milliseconds"),
        }
        from .report import render_report  # noqa: PLC0415

        data = render_report(store, exhibit, row, chosen, actor, report_path.suffix.lower(), warnings)
        _write_new(report_path, data, force)
        written.append(report_path)
        row["report_path"] = stored_report
        row["report_sha256"] = sha256_file(report_path)
        change = operations.record_redacted_copy(store, row, actor)
    except BaseException:
        for path in written:
            path.unlink(missing_ok=True)
        raise
    recorded = next(r.after for r in change.rows if r.entity == "redacted_copy")
    return Disclosure(recorded, out, report_path, chosen, result.dropped, warnings, change)


def _settings(result, include_suggested: bool) -> dict:
    from .copy import AUDIO_BITRATE, CRF, PRESET, VIDEO_CODEC  # noqa: PLC0415

    return {"video": f"{VIDEO_CODEC} preset {PRESET} crf {CRF}", "audio": f"aac {AUDIO_BITRATE // 1000} kb/s",
            "streams_dropped": result.dropped, "frames_covered": result.frames_covered,
            "include_suggested": include_suggested}


def _write_new(target: Path, data: bytes, force: bool) -> None:
    tmp = target.with_name(f".{target.name}.part")
    with tmp.open("wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    if not force and target.exists():
        tmp.unlink(missing_ok=True)
        raise ReviewError(f"{target} appeared while the report was being written; nothing was replaced.")
    tmp.replace(target)
