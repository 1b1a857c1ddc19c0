"""Bringing footage into a case, and checking it is still what was brought in."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from . import audit, footage_paths, numbering, schema, seals, witness
from .errors import FootageError
from .integrity import Progress, sha256_file
from .model import Exhibit
from .store import CaseStore
from .timecode import format_instant, parse_instant
from .transcripts import check_drafts


def import_footage(store: CaseStore, footage: Path | str, ref: str, actor: str, **details) -> Exhibit:
    """Probe (refusing anything that is not usable video), hash, then add as one audited change;
    ``details`` as for :func:`describe_footage` (wearer, device, start, progress, cancel)."""
    return store.add_exhibit(describe_footage(store, footage, ref, **details), actor)


def describe_footage(
    store: CaseStore,
    footage: Path | str,
    ref: str,
    wearer: str = "",
    device: str = "",
    start: str | None = None,
    progress: Progress | None = None,
    cancel: Callable[[], bool] | None = None,
) -> Exhibit:
    """The exhibit a footage file would become: probed (anything that is not usable video is
    refused) and hashed, which takes a while; nothing is written (core.operations adds it)."""
    footage = Path(footage)
    recording_start = format_instant(parse_instant(start)) if start else None
    stored = store.stored_path(footage)  # refuses a file outside the case folder and media folders
    footage_paths.check_regular(footage)  # before probing: opening a FIFO or device could hang
    from .frame_index import probe  # the decoder loads only for footage work
    from .index_cache import remember

    info = probe(footage)
    size = footage.stat().st_size
    digest = sha256_file(footage, progress=progress, cancel=cancel)
    if footage.stat().st_size != size:
        raise FootageError(f"{footage.name} changed while it was being hashed; try again when it is complete.")
    remember(footage, digest, info)  # the player opens it from this index, without demuxing again
    source = "typed" if recording_start else ""
    if recording_start is None and info.creation_time:
        try:
            recording_start = format_instant(parse_instant(info.creation_time))
            source = "metadata"
        except Exception:  # noqa: BLE001 - a camera's odd date string just means "unknown"
            recording_start = None
    return Exhibit(
        ref=ref,
        path=stored,
        sha256=digest,
        size=size,
        wearer=wearer,
        device=device,
        duration_ms=info.duration_ms,
        frame_count=info.frame_count,
        fps=info.fps,
        width=info.width,
        height=info.height,
        codec=info.codec,
        has_audio=info.has_audio,
        creation_time=info.creation_time,
        recording_start=recording_start,
        start_source=source,
    )


@dataclass
class FootageCheck:
    exhibit: Exhibit
    path: Path | None
    status: str  # "verified", "changed", "missing", "refused"
    reason: str = ""  # for "refused" and "changed": why, in one sentence

    @property
    def problem(self) -> str | None:
        if self.status == "missing":
            return f"Footage for exhibit {self.exhibit.ref} is missing (expected at {self.path})."
        if self.status == "changed":
            return (
                f"Footage for exhibit {self.exhibit.ref} has changed since it was added "
                f"(SHA-256 no longer matches): {self.path}." + (f" {self.reason}" if self.reason else "")
            )
        if self.status == "refused":
            return f"Footage for exhibit {self.exhibit.ref} was not checked: {self.reason}"
        return None


def check_footage(
    store: CaseStore, exhibit: Exhibit, progress: Progress | None = None, cancel=None
) -> FootageCheck:
    try:
        path = store.footage_path(exhibit)
    except FootageError as exc:
        return FootageCheck(exhibit, None, "refused", str(exc))
    if not path.exists():
        return FootageCheck(exhibit, path, "missing")
    try:
        if path.stat().st_size != exhibit.size:
            return FootageCheck(exhibit, path, "changed")
        digest = sha256_file(path, progress=progress, cancel=cancel)
    except FootageError as exc:
        return FootageCheck(exhibit, path, "refused", str(exc))
    return FootageCheck(exhibit, path, "verified" if digest == exhibit.sha256 else "changed")


# Problems that mean the log itself cannot be trusted, so no quote can be.
_WHOLE_CASE = {"audit", "signature", "rollback"}
# Rows whose change makes every quote suspect: a quote cites its exhibit and category.
_SHARED_TABLES = {"case_info", "exhibit", "category", "signer"}


@dataclass
class Verification:
    """Everything ``verify`` found, and which quotes it leaves untrusted."""

    problems: list[audit.Problem] = field(default_factory=list)
    footage: list[FootageCheck] = field(default_factory=list)
    untrusted_all: bool = False
    untrusted_annotations: set[int] = field(default_factory=set)
    covered_until: int = 0
    rows: int = 0

    @property
    def sound(self) -> bool:
        return not self.problems

    def trusted(self, annotation_id: int | None) -> bool:
        """False when this annotation's stored words may not be what the signed log says."""
        return not self.untrusted_all and annotation_id not in self.untrusted_annotations


def check_integrity(store: CaseStore, thorough: bool = False) -> Verification:
    """The case file itself, without hashing footage (fast): the audit chain, its signatures,
    every record against its audit trail, and the machine drafts. ``thorough`` checks every
    signature ever made, not only the newest valid one (see ``seals.check``)."""
    with store.snapshot():  # one committed state, even while other reviewers write
        return _check_integrity(store, thorough)


def _check_integrity(store: CaseStore, thorough: bool) -> Verification:
    result = Verification()
    result.problems += audit.check_chain(store.db)
    if store.format_version >= schema.SIGNED_FROM:
        sealed = seals.check(store.db, thorough)
        result.problems += sealed.problems
        result.covered_until, result.rows = sealed.covered_until, sealed.rows
    else:
        result.problems.append(audit.Problem(
            "format",
            f"This case file is in an older format ({store.format_version}) whose audit log is not signed, so "
            "a log rewritten end to end would not be detected; upgrade it with `bwv-review upgrade CASE` (its "
            "entries are then signed as they stand, and a copy of the old file is kept).",
        ))
    result.problems += witness.check(store.db, store.path)
    result.problems += numbering.check(store)
    records = audit.check_records(store.db)
    result.problems += records + check_drafts(store)
    result.untrusted_all = any(p.kind in _WHOLE_CASE for p in result.problems) or any(
        p.entity in _SHARED_TABLES for p in records)
    result.untrusted_annotations = {p.entity_id for p in records if p.entity == "annotation"}
    return result


def verify(
    store: CaseStore,
    exhibits: list[Exhibit] | None = None,
    progress: Progress | None = None,
    cancel=None,
    thorough: bool = True,
) -> Verification:
    """The case file (see ``check_integrity``), then every exhibit's footage re-hashed
    (``exhibits``: only these); ``progress(done, total)`` gets bytes over all of them."""
    result = check_integrity(store, thorough)
    exhibits = store.exhibits() if exhibits is None else exhibits
    total = sum(e.size for e in exhibits)
    base = 0

    def step(done: int, _total: int) -> None:
        if progress is not None:
            progress(base + done, total)

    for exhibit in exhibits:
        check = check_footage(store, exhibit, progress=step, cancel=cancel)
        base += exhibit.size
        result.footage.append(check)
        if check.problem:
            result.problems.append(audit.Problem("footage", check.problem, "exhibit", exhibit.id))
    from .redact.records import check_copies  # noqa: PLC0415 - redacted copies still here

    result.problems += check_copies(store, progress=progress)
    if progress is not None:
        progress(total, total)
    return result


def verify_case(store: CaseStore, progress: Progress | None = None, cancel=None) -> list[audit.Problem]:
    """Everything wrong with a case: audit chain and signatures, records edited outside the
    app, machine drafts, footage."""
    return verify(store, progress=progress, cancel=cancel).problems
