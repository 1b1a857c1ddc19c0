"""Bringing footage into a case, and checking it is still what was brought in."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from . import audit
from .errors import FootageError
from .frame_index import remember
from .integrity import Progress, sha256_file
from .media import probe
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
        path=store.stored_path(footage),
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
    path: Path
    status: str  # "verified", "changed", "missing"

    @property
    def problem(self) -> str | None:
        if self.status == "missing":
            return f"Footage for exhibit {self.exhibit.ref} is missing (expected at {self.path})."
        if self.status == "changed":
            return (
                f"Footage for exhibit {self.exhibit.ref} has changed since it was added "
                f"(SHA-256 no longer matches): {self.path}."
            )
        return None


def check_footage(
    store: CaseStore, exhibit: Exhibit, progress: Progress | None = None, cancel=None
) -> FootageCheck:
    path = store.footage_path(exhibit)
    if not path.is_file():
        return FootageCheck(exhibit, path, "missing")
    if path.stat().st_size != exhibit.size:
        return FootageCheck(exhibit, path, "changed")
    digest = sha256_file(path, progress=progress, cancel=cancel)
    return FootageCheck(exhibit, path, "verified" if digest == exhibit.sha256 else "changed")


def verify_case(store: CaseStore, progress: Progress | None = None, cancel=None,
                on_footage: Callable[[FootageCheck], None] | None = None) -> list[audit.Problem]:
    """Everything wrong with a case: audit chain, records edited outside the app, footage.
    ``on_footage`` hears each exhibit's check as it finishes (the window shows them one by one)."""
    problems = audit.check_chain(store.db) + audit.check_records(store.db) + check_drafts(store)
    for exhibit in store.exhibits():
        check = check_footage(store, exhibit, progress=progress, cancel=cancel)
        if on_footage is not None:
            on_footage(check)
        if check.problem:
            problems.append(audit.Problem("footage", check.problem))
    return problems
